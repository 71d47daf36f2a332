import { Dialog, DialogContent, DialogTitle, Stack, type Breakpoint } from '@mui/material';
import type { FormEvent, ReactNode } from 'react';
import { CreateDialogActions } from './CreateDialogActions';
import { isSubmitChord } from './form-errors';

/**
 * A create dialog (new customer, new ticket): one form, saved by its button, Enter in a field or Ctrl+Enter
 * anywhere, closed by Esc or Cancel except while saving. `testId` names the form and, with `-save` and
 * `-cancel`, its buttons. `after` renders inside the dialog after the form's foot (a nested dialog).
 */
export function CreateDialog({
  open,
  busy,
  title,
  testId,
  maxWidth,
  onSave,
  onClose,
  children,
  after,
  saveLabel,
}: {
  open: boolean;
  busy: boolean;
  title: string;
  testId: string;
  maxWidth: Breakpoint;
  onSave: () => void;
  onClose: () => void;
  children: ReactNode;
  after?: ReactNode;
  saveLabel?: string;
}) {
  // Stopped here: React bubbles events through portals, and this dialog may be opened from another form.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    e.stopPropagation();
    onSave();
  };
  return (
    <Dialog
      open={open}
      onClose={busy ? undefined : onClose}
      fullWidth
      maxWidth={maxWidth}
      slotProps={{
        paper: {
          component: 'form',
          // Our own messages, in the agent's language, instead of the browser's.
          noValidate: true,
          onSubmit: submit,
          'data-testid': `${testId}-dialog`,
        } as object,
      }}
      onKeyDown={(e) => {
        if (isSubmitChord(e)) {
          e.preventDefault();
          e.stopPropagation();
          onSave();
        }
      }}
    >
      <DialogTitle sx={{ pb: 1 }}>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          {children}
        </Stack>
      </DialogContent>
      <CreateDialogActions busy={busy} onCancel={onClose} testIdPrefix={testId} saveLabel={saveLabel} />
      {after}
    </Dialog>
  );
}

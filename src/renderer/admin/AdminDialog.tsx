import {
  Button,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  Typography,
  type Breakpoint,
} from '@mui/material';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminAction, ErrorBody } from '../../shared';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText, localizeRefusal } from './admin-error-text';
import { isSubmitChord, splitFieldErrors } from '../common/form-errors';
import { useAdmin } from './admin-context';

/**
 * An admin form in a dialog: saved by its button, Enter or Ctrl+Enter, closed by Esc. `build` turns the form
 * into the action (or a refusal of its own, e.g. a line it cannot read); a refusal from the server stays in the
 * dialog, messages about shown fields under those fields (`fieldError`), the rest above the buttons.
 */
export function AdminDialog<F extends string>({
  open,
  title,
  testId,
  maxWidth = 'sm',
  fields,
  build,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  testId: string;
  maxWidth?: Breakpoint;
  fields: readonly F[];
  build: () => AdminAction | ErrorBody;
  onClose: () => void;
  children: (fieldError: (f: F) => string | undefined) => ReactNode;
}) {
  const { t } = useTranslation();
  const { apply } = useAdmin();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const local = error && localizeRefusal(t, error);
  const { byField, rest } = splitFieldErrors(local, fields);
  const close = () => {
    setError(null);
    onClose();
  };
  const save = async () => {
    if (busy) return;
    const action = build();
    if ('code' in action) return setError(action);
    setBusy(true);
    const refused = await apply(action);
    setBusy(false);
    if (refused) setError(refused);
    else close();
  };
  // Stopped here: React bubbles events through portals, and a confirmation may sit above this dialog.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    e.stopPropagation();
    void save();
  };
  return (
    <Dialog
      open={open}
      onClose={busy ? undefined : close}
      fullWidth
      maxWidth={maxWidth}
      slotProps={{
        paper: {
          component: 'form',
          // Our own messages, in the admin's language, instead of the browser's.
          noValidate: true,
          onSubmit: submit,
          'data-testid': `${testId}-dialog`,
        } as object,
      }}
      onKeyDown={(e) => {
        if (isSubmitChord(e)) {
          e.preventDefault();
          e.stopPropagation();
          void save();
        }
      }}
    >
      <DialogTitle sx={{ pb: 1 }}>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          {children((f) => byField[f])}
          {rest && <ErrorAlert describe={adminErrorText} error={rest} testId={`${testId}-error`} />}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Typography variant="caption" sx={{ flex: 1, color: 'text.secondary' }}>
          {t('admin.keysHint')}
        </Typography>
        <Button onClick={close} disabled={busy} data-testid={`${testId}-cancel`}>
          {t('admin.cancel')}
        </Button>
        <Button
          type="submit"
          variant="contained"
          disabled={busy}
          data-testid={`${testId}-save`}
          endIcon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
        >
          {t('admin.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** A refusal made on this side (a line the form cannot read), shaped like the server's. */
export const localRefusal = (message: string, path = ''): ErrorBody => ({
  code: 'bad_request',
  message,
  issues: path ? [{ path, message }] : undefined,
});

/** "" -> null, else the number typed (NaN stays NaN so the server names the field). */
export const numberOrNull = (s: string): number | null => (s.trim() === '' ? null : Number(s));

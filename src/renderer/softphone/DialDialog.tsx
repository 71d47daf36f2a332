import { Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from './Keypad';

/** Number entry for an outgoing call, a transfer target or a consultation. Enter places it. */
export function DialDialog({
  open,
  title,
  initial = '',
  actions,
  onClose,
  hint,
  testId,
}: {
  open: boolean;
  title: string;
  initial?: string;
  /** One button per way to use the number; the first is the Enter key's. */
  actions: { label: string; testId: string; run: (target: string) => void }[];
  onClose: () => void;
  hint?: string;
  testId: string;
}) {
  const { t } = useTranslation();
  const [target, setTarget] = useState(initial);
  useEffect(() => {
    if (open) setTarget(initial);
  }, [open, initial]);
  const valid = /^[0-9A-Za-z+*#.@:_-]{1,64}$/.test(target.trim());
  const run = (i: number) => {
    const action = actions[i];
    if (!action || !valid) return;
    action.run(target.trim());
    onClose();
  };
  return (
    <Dialog open={open} onClose={onClose} data-testid={testId} maxWidth="xs" fullWidth>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 0.5 }}>
          <TextField
            autoFocus
            size="small"
            label={t('phone.call.dialNumber')}
            value={target}
            helperText={hint}
            onChange={(e) => setTarget(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                run(0);
              }
            }}
            slotProps={{ htmlInput: { 'data-testid': `${testId}-number`, inputMode: 'tel' } }}
          />
          <Keypad onKey={(k) => setTarget((v) => v + k)} />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('phone.call.close')}</Button>
        {actions.map((a, i) => (
          <Button
            key={a.testId}
            variant={i === 0 ? 'contained' : 'outlined'}
            disabled={!valid}
            data-testid={a.testId}
            onClick={() => run(i)}
          >
            {a.label}
          </Button>
        ))}
      </DialogActions>
    </Dialog>
  );
}

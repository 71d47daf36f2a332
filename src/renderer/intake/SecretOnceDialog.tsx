import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, TextField } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A secret the server shows this once (a new API key, a channel secret): copy it now, it is not kept readable. */
export function SecretOnceDialog({
  title,
  body,
  secret,
  onClose,
}: {
  title: string;
  body: string;
  secret: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      slotProps={{ paper: { 'data-testid': 'intake-secret-dialog' } as object }}
    >
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          {body}
        </Alert>
        <TextField
          value={secret}
          fullWidth
          autoFocus
          onFocus={(e) => e.target.select()}
          slotProps={{
            htmlInput: { readOnly: true, 'data-testid': 'intake-secret', style: { fontFamily: 'monospace' } },
          }}
        />
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button
          onClick={() =>
            void navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
          data-testid="intake-secret-copy"
        >
          {copied ? t('intake.copied') : t('intake.copy')}
        </Button>
        <Button variant="contained" onClick={onClose} data-testid="intake-secret-done">
          {t('intake.done')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

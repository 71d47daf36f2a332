import { Button, CircularProgress, DialogActions, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';

/**
 * The foot of a create dialog: the keyboard hint, cancel, and a save button that submits the dialog's form
 * and shows progress while saving. testIdPrefix names the buttons (`${prefix}-cancel`, `${prefix}-save`).
 */
export function CreateDialogActions({
  busy,
  onCancel,
  testIdPrefix,
  saveLabel,
}: {
  busy: boolean;
  onCancel: () => void;
  testIdPrefix: string;
  /** What the save button does, when it is not creating something (e.g. "Transfer"). */
  saveLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <DialogActions sx={{ px: 3, pb: 2 }}>
      <Typography variant="caption" sx={{ flex: 1, color: 'text.secondary' }}>
        {t('create.keysHint', { action: saveLabel ?? t('create.save') })}
      </Typography>
      <Button onClick={onCancel} disabled={busy} data-testid={`${testIdPrefix}-cancel`}>
        {t('create.cancel')}
      </Button>
      <Button
        type="submit"
        variant="contained"
        disabled={busy}
        data-testid={`${testIdPrefix}-save`}
        endIcon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
      >
        {saveLabel ?? t('create.save')}
      </Button>
    </DialogActions>
  );
}

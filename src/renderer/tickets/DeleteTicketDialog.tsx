import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@mui/material';
import { useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import { errorBodyOf } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';

/**
 * Confirms deleting one ticket or the checked ones: destructive, so Cancel has the focus, Esc cancels and
 * Enter confirms (also from the reason field; never mid-composition, where Enter picks a Chinese word). `run`
 * queues the deletion (works offline); an error it throws stays on show with the dialog open.
 */
export function DeleteTicketDialog({
  open,
  count,
  ticketText,
  onClose,
  run,
}: {
  open: boolean;
  /** How many tickets: 1 names `ticketText`. */
  count: number;
  ticketText?: string;
  onClose: () => void;
  run: (reason: string | undefined) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await run(reason.trim() || undefined);
      setReason('');
      onClose();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    // Enter on the focused Cancel button would cancel: in this dialog Enter means the action it asks about.
    e.preventDefault();
    e.stopPropagation();
    void confirm();
  };

  return (
    <Dialog
      open={open}
      onClose={busy ? undefined : onClose}
      onKeyDown={onKeyDown}
      fullWidth
      maxWidth="xs"
      data-testid="delete-ticket-dialog"
      aria-describedby="delete-ticket-text"
    >
      <DialogTitle sx={{ pb: 1 }}>
        {
          // One ticket in words of its own: Chinese has no singular form to pick.
          count === 1 ? t('deleteTicket.titleOne') : t('deleteTicket.title', { count })
        }
      </DialogTitle>
      <DialogContent>
        <Typography id="delete-ticket-text" variant="body2" sx={{ mb: 2 }}>
          {count === 1 && ticketText
            ? t('deleteTicket.confirmOne', { ticket: ticketText })
            : t('deleteTicket.confirmMany', { count })}
        </Typography>
        <TextField
          label={t('deleteTicket.reason')}
          helperText={t('deleteTicket.reasonHint')}
          value={reason}
          fullWidth
          size="small"
          disabled={busy}
          onChange={(e) => setReason(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'delete-ticket-reason', maxLength: 1000 } }}
        />
        {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
      </DialogContent>
      <DialogActions>
        <Button autoFocus disabled={busy} onClick={onClose} data-testid="delete-ticket-cancel">
          {t('deleteTicket.cancel')}
        </Button>
        <Button
          color="error"
          variant="contained"
          disabled={busy}
          onClick={() => void confirm()}
          data-testid="delete-ticket-confirm"
        >
          {count === 1 ? t('deleteTicket.confirmAction') : t('deleteTicket.confirm', { count })}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

import SendIcon from '@mui/icons-material/Send';
import {
  Box,
  Button,
  Checkbox,
  CircularProgress,
  FormControlLabel,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { useCan } from '../auth/use-rights';
import { ErrorAlert } from '../common/ErrorAlert';

/** Reply or internal note; Ctrl+Enter (Cmd+Enter on a Mac) sends, so hands stay on the keyboard. */
export function CommentComposer({ ticketId, onSent }: { ticketId: string; onSent: () => void }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const mayNote = useCan()('seeInternalNotes');
  const [noteChosen, setInternal] = useState(false);
  // Without the right there is no internal-note toggle, and nothing sends one.
  const internal = mayNote && noteChosen;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const send = async () => {
    if (busy || !body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await getApi().invoke('tickets.comment', { ticketId, body, internal });
      setBody('');
      onSent();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack spacing={1}>
      <TextField
        multiline
        minRows={3}
        maxRows={12}
        fullWidth
        value={body}
        placeholder={t('detail.commentPlaceholder')}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
        sx={internal ? { '& .MuiInputBase-root': { bgcolor: 'rgba(237, 167, 0, 0.08)' } } : undefined}
        slotProps={{
          htmlInput: { 'data-testid': 'comment-input', 'aria-label': t('detail.commentPlaceholder') },
        }}
      />
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        {mayNote ? (
          <FormControlLabel
            control={
              <Checkbox
                checked={internal}
                onChange={(e) => setInternal(e.target.checked)}
                slotProps={{ input: { 'data-testid': 'comment-internal' } as object }}
              />
            }
            label={<Typography variant="body2">{t('detail.internalToggle')}</Typography>}
          />
        ) : (
          <Box />
        )}
        <Box>
          <Button
            variant="contained"
            data-testid="comment-submit"
            disabled={busy || !body.trim()}
            onClick={() => void send()}
            endIcon={busy ? <CircularProgress size={12} color="inherit" /> : <SendIcon fontSize="small" />}
          >
            {internal ? t('detail.internalNote') : t('detail.send')}
          </Button>
        </Box>
      </Stack>
    </Stack>
  );
}

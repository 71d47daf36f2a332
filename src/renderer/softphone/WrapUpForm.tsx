import NoteAddIcon from '@mui/icons-material/NoteAddOutlined';
import { Box, Button, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TicketRow } from '../../shared';
import { DISPOSITIONS } from '../../shared/protocol/voice';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useNow } from '../i18n/use-now';
import { ticketNumberText } from '../tickets/TicketListRow';
import { callDuration } from './call-time';
import { RatingLink } from './RatingLink';
import type { WrapUp, WrapUpInput } from './phone-session';

/**
 * After-call work: a disposition, notes and the ticket the call was about (one of the caller's open
 * tickets, or a new one made from the call), with the wrap-up time running. Ctrl+Enter completes it.
 */
export function WrapUpForm({
  wrapUp,
  tickets,
  extraTickets,
  onComplete,
  onDismiss,
  onCreateTicket,
}: {
  wrapUp: WrapUp;
  /** The caller's open tickets to link. */
  tickets: TicketRow[];
  /** Tickets made from this call meanwhile (listed first). */
  extraTickets: TicketRow[];
  onComplete: (input: WrapUpInput) => void;
  onDismiss: (() => void) | null;
  onCreateTicket: ((onCreated: (ticket: TicketRow) => void) => void) | null;
}) {
  const { t } = useTranslation();
  const now = useNow(1000);
  const [disposition, setDisposition] = useState<string>('resolved');
  const [notes, setNotes] = useState('');
  const [ticketId, setTicketId] = useState<string>('');
  const choices = [...extraTickets, ...tickets.filter((x) => !extraTickets.some((e) => e.id === x.id))];
  const complete = () => {
    if (wrapUp.saving) return;
    onComplete({ disposition, notes, ticketId: ticketId === '' ? null : ticketId });
  };
  return (
    <Stack
      spacing={1.25}
      data-testid="wrap-up"
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        complete();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          complete();
        }
      }}
      sx={{ p: 1.5, borderTop: 1, borderColor: 'divider' }}
    >
      <Box sx={{ display: 'flex', alignItems: 'baseline', justifyContent: 'space-between' }}>
        <Typography sx={{ fontWeight: 600 }}>{t('phone.wrapUp.title')}</Typography>
        <Typography variant="body2" color="textSecondary" data-testid="wrap-up-timer">
          {t('phone.wrapUp.elapsed', { time: callDuration(now - wrapUp.startedAt) })}
        </Typography>
      </Box>
      <NativeSelectField
        label={t('phone.wrapUp.disposition')}
        testId="wrap-up-disposition"
        value={disposition}
        onChange={setDisposition}
        fullWidth
      >
        {DISPOSITIONS.map((d) => (
          <option key={d} value={d}>
            {t(`phone.wrapUp.dispositions.${d}`)}
          </option>
        ))}
      </NativeSelectField>
      <NativeSelectField
        label={t('phone.wrapUp.ticket')}
        testId="wrap-up-ticket"
        value={ticketId}
        onChange={setTicketId}
        fullWidth
      >
        <option value="">{t('phone.wrapUp.noTicket')}</option>
        {choices.map((r) => (
          <option key={r.id} value={r.id}>
            {ticketNumberText(r.number, t('tickets.localNumber'))} · {r.subject}
          </option>
        ))}
      </NativeSelectField>
      {onCreateTicket && (
        <Button
          size="small"
          startIcon={<NoteAddIcon />}
          sx={{ alignSelf: 'flex-start' }}
          data-testid="wrap-up-create-ticket"
          onClick={() => onCreateTicket((ticket) => setTicketId(ticket.id))}
        >
          {t('phone.wrapUp.createTicket')}
        </Button>
      )}
      <TextField
        size="small"
        label={t('phone.wrapUp.notes')}
        multiline
        minRows={2}
        maxRows={6}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'wrap-up-notes', maxLength: 20000 } }}
      />
      {wrapUp.interactionId && wrapUp.call.answeredAt !== null && (
        <RatingLink interactionId={wrapUp.interactionId} />
      )}
      {wrapUp.error && <ErrorAlert error={wrapUp.error} testId="wrap-up-error" />}
      <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end' }}>
        {onDismiss && (
          <Button onClick={onDismiss} data-testid="wrap-up-dismiss">
            {t('phone.wrapUp.dismiss')}
          </Button>
        )}
        <Button type="submit" variant="contained" disabled={wrapUp.saving} data-testid="wrap-up-done">
          {wrapUp.saving ? t('phone.wrapUp.saving') : `${t('phone.wrapUp.done')} (Ctrl+Enter)`}
        </Button>
      </Stack>
    </Stack>
  );
}

import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItemButton,
  ListItemText,
  MenuItem,
  Stack,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentChatSummary } from '../../shared/chat/agent-protocol';
import type { ErrorBody, TicketRow } from '../../shared';
import type { Queue } from '../../shared/protocol/voice';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { useDirectory } from '../directory/DirectoryProvider';
import { ticketNumberText } from '../tickets/TicketListRow';

/** Transfer to another agent of the chat's department (offered to them) or back to one of its queues. */
export function TransferDialog({
  chat,
  open,
  onClose,
}: {
  chat: AgentChatSummary;
  open: boolean;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const session = useSessionInfo();
  const directory = useDirectory();
  const [to, setTo] = useState<'agent' | 'queue'>('agent');
  const [agentId, setAgentId] = useState('');
  const [queueId, setQueueId] = useState('');
  const [note, setNote] = useState('');
  const [queues, setQueues] = useState<Queue[]>([]);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    setError(null);
    getApi()
      .invoke('voice.queues', {})
      .then(
        (q) => setQueues(q.queues.filter((x) => x.departmentId === chat.departmentId)),
        (e: unknown) => setError(errorBodyOf(e)),
      );
  }, [open, chat.departmentId]);
  const agents = directory.users.filter(
    (u) => u.departmentId === chat.departmentId && u.id !== session.user.id && u.role !== 'admin',
  );
  const ready = to === 'agent' ? agentId !== '' : queueId !== '';
  const submit = () => {
    setBusy(true);
    setError(null);
    getApi()
      .invoke('chat.transfer', {
        chatId: chat.id,
        ...(to === 'agent' ? { toAgentId: agentId } : { toQueueId: queueId }),
        ...(note.trim() ? { note: note.trim() } : {}),
      })
      .then(onClose, (e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setBusy(false));
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="xs">
      <DialogTitle>{t('chat.transfer.title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <ToggleButtonGroup
            exclusive
            size="small"
            value={to}
            onChange={(_e, v: 'agent' | 'queue' | null) => v && setTo(v)}
          >
            <ToggleButton value="agent">{t('chat.transfer.toAgent')}</ToggleButton>
            <ToggleButton value="queue">{t('chat.transfer.toQueue')}</ToggleButton>
          </ToggleButtonGroup>
          {to === 'agent' ? (
            <TextField
              select
              size="small"
              label={t('chat.transfer.agent')}
              value={agentId}
              onChange={(e) => setAgentId(e.target.value)}
              data-testid="chat-transfer-agent"
            >
              {agents.map((u) => (
                <MenuItem key={u.id} value={u.id}>
                  {u.displayName}
                </MenuItem>
              ))}
            </TextField>
          ) : (
            <TextField
              select
              size="small"
              label={t('chat.transfer.queue')}
              value={queueId}
              onChange={(e) => setQueueId(e.target.value)}
            >
              {queues.map((q) => (
                <MenuItem key={q.id} value={q.id}>
                  {i18n.language === 'zh-CN' ? q.nameZh : q.nameEn}
                </MenuItem>
              ))}
            </TextField>
          )}
          <TextField
            size="small"
            label={t('chat.transfer.note')}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            slotProps={{ htmlInput: { maxLength: 500 } }}
          />
          {error && <ErrorAlert error={error} />}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('chat.cancel')}</Button>
        <Button
          variant="contained"
          disabled={!ready || busy}
          onClick={submit}
          data-testid="chat-transfer-submit"
        >
          {t('chat.transfer.submit')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** A ticket from the chat (its transcript as the description), or the chat linked to a ticket: one step each. */
export function ChatTicketDialog({
  chat,
  open,
  onClose,
  onDone,
}: {
  chat: AgentChatSummary;
  open: boolean;
  onClose: () => void;
  onDone: (ticketId: string) => void;
}) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'new' | 'link'>('new');
  const [subject, setSubject] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<TicketRow[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    setError(null);
    setChosen(null);
    setSubject(chat.lastMessage?.text.slice(0, 80) ?? '');
  }, [open, chat.lastMessage]);
  useEffect(() => {
    if (!open || mode !== 'link') return;
    let live = true;
    const h = setTimeout(() => {
      getApi()
        .invoke('tickets.search', {
          text: query,
          limit: 8,
          status: ['new', 'open', 'reopened', 'pending', 'on_hold'],
          departmentIds: [chat.departmentId],
        })
        .then(
          (p) => live && setFound(p.rows),
          (e: unknown) => live && setError(errorBodyOf(e)),
        );
    }, 200);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [open, mode, query, chat.departmentId]);
  const ready = mode === 'new' ? subject.trim() !== '' : chosen !== null;
  const submit = () => {
    setBusy(true);
    setError(null);
    getApi()
      .invoke(
        'chat.toTicket',
        mode === 'new'
          ? { chatId: chat.id, subject: subject.trim() }
          : { chatId: chat.id, ticketId: chosen! },
      )
      .then(
        (r) => onDone(r.ticketId),
        (e: unknown) => setError(errorBodyOf(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('chat.ticket.title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <ToggleButtonGroup
            exclusive
            size="small"
            value={mode}
            onChange={(_e, v: 'new' | 'link' | null) => v && setMode(v)}
          >
            <ToggleButton value="new" data-testid="chat-ticket-new">
              {t('chat.ticket.new')}
            </ToggleButton>
            <ToggleButton value="link" data-testid="chat-ticket-link">
              {t('chat.ticket.link')}
            </ToggleButton>
          </ToggleButtonGroup>
          {mode === 'new' ? (
            <>
              <TextField
                size="small"
                label={t('chat.ticket.subject')}
                value={subject}
                onChange={(e) => setSubject(e.target.value)}
                slotProps={{ htmlInput: { maxLength: 300, 'data-testid': 'chat-ticket-subject' } }}
              />
              <Typography variant="body2" color="textSecondary">
                {t('chat.ticket.transcriptNote')}
              </Typography>
            </>
          ) : (
            <>
              <TextField
                size="small"
                autoFocus
                label={t('chat.ticket.search')}
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
              <List dense sx={{ maxHeight: 240, overflow: 'auto' }}>
                {found.map((r) => (
                  <ListItemButton key={r.id} selected={chosen === r.id} onClick={() => setChosen(r.id)}>
                    <ListItemText
                      primary={`${ticketNumberText(r.number, t('tickets.localNumber'))} ${r.subject}`}
                    />
                  </ListItemButton>
                ))}
              </List>
            </>
          )}
          {error && <ErrorAlert error={error} />}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('chat.cancel')}</Button>
        <Button
          variant="contained"
          disabled={!ready || busy}
          onClick={submit}
          data-testid="chat-ticket-submit"
        >
          {mode === 'new' ? t('chat.ticket.make') : t('chat.ticket.linkSubmit')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

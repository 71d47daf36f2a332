import CloseIcon from '@mui/icons-material/Close';
import {
  Box,
  Button,
  Chip,
  Divider,
  Drawer,
  IconButton,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentHistoryEntry } from '../../shared/ipc/supervisor';
import type { ErrorBody } from '../../shared/protocol/errors';
import type { AgentLive } from '../../shared/protocol/supervisor';
import type { BreakReason } from '../../shared/protocol/voice';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { clock, since, STATE_COLOR } from './live';

export type PanelAction = 'break' | 'offline' | 'available' | 'message';
const REASONS: BreakReason[] = ['lunch', 'training', 'meeting', 'personal'];

/**
 * One agent from the monitor: state, call, history of state changes (cause, who, words), and the
 * supervisor's controls: set the state (a Break with reason and a note), message the agent, their tickets.
 */
export function AgentPanel({
  agent,
  initialAction,
  svcNow,
  agents,
  onClose,
  onOpenTickets,
}: {
  agent: AgentLive | null;
  initialAction: PanelAction | null;
  svcNow: number;
  agents: AgentLive[];
  onClose: () => void;
  onOpenTickets?: (assigneeId: string) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const [reason, setReason] = useState<BreakReason>('meeting');
  const [note, setNote] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [history, setHistory] = useState<AgentHistoryEntry[] | null>(null);
  const breakRef = useRef<HTMLInputElement>(null);
  const messageRef = useRef<HTMLInputElement>(null);
  const firstRef = useRef<HTMLButtonElement>(null);
  const userId = agent?.userId ?? null;
  // The history is asked again whenever the agent's state changes (the view is pushed, so this follows it).
  const stateKey = agent ? `${agent.state}|${agent.since}|${agent.reason ?? ''}` : '';

  const load = useCallback(() => {
    if (!userId) return;
    getApi()
      .invoke('supervisor.agentHistory', { userId, limit: 50 })
      .then(
        (r) => setHistory(r.changes),
        (e: unknown) => setError(errorBodyOf(e)),
      );
  }, [userId]);
  useEffect(() => {
    load();
  }, [load, stateKey]);

  useEffect(() => {
    setError(null);
    setSent(null);
    setNote('');
    setMessage('');
    if (!userId) {
      setHistory(null);
      return;
    }
    const focus = setTimeout(() => {
      if (initialAction === 'break') breakRef.current?.focus();
      else if (initialAction === 'message') messageRef.current?.focus();
      else firstRef.current?.focus();
    }, 50);
    return () => clearTimeout(focus);
  }, [userId, initialAction]);

  const nameOf = (id: string | null) =>
    id === null
      ? t('supervisor.panel.server')
      : (agents.find((a) => a.userId === id)?.displayName ??
        directory.user(id)?.displayName ??
        id.slice(0, 8));

  const setState = async (state: 'Available' | 'Break' | 'Offline') => {
    if (!userId) return;
    setBusy(true);
    setError(null);
    try {
      await getApi().invoke('supervisor.setAgentState', {
        userId,
        state,
        ...(state === 'Break' ? { reason } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setNote('');
      load();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const send = async () => {
    if (!userId || !message.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await getApi().invoke('supervisor.message', { toUserId: userId, text: message.trim() });
      setSent(message.trim());
      setMessage('');
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const stateLabel = (state: AgentLive['state'], r: BreakReason | null) =>
    state === 'Break' && r
      ? `${t('phone.agent.state.Break')} · ${t(`phone.agent.reasons.${r}`)}`
      : t(`phone.agent.state.${state}`);

  return (
    <Drawer
      anchor="right"
      open={agent !== null}
      onClose={onClose}
      slotProps={{ paper: { sx: { width: 400, p: 2 }, 'data-testid': 'agent-panel' } as object }}
    >
      {agent && (
        <Stack spacing={1.5} data-user={agent.userId}>
          <Stack direction="row" sx={{ alignItems: 'center' }}>
            <Typography variant="h6" sx={{ flex: 1 }} data-testid="agent-panel-name">
              {agent.displayName}
            </Typography>
            <IconButton size="small" aria-label={t('supervisor.panel.close')} onClick={onClose}>
              <CloseIcon fontSize="small" />
            </IconButton>
          </Stack>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
            <Chip
              size="small"
              color={STATE_COLOR[agent.state]}
              label={stateLabel(agent.state, agent.reason)}
              data-testid="agent-panel-state"
              data-state={agent.state}
            />
            <Typography variant="body2">{clock(since(agent.since, svcNow))}</Typography>
            {agent.pending && (
              <Typography variant="body2" color="text.secondary" data-testid="agent-panel-pending">
                {t('phone.agent.pending', { state: stateLabel(agent.pending.state, agent.pending.reason) })}
              </Typography>
            )}
          </Stack>
          {agent.note && (
            <Typography variant="body2" color="text.secondary">
              “{agent.note}”
            </Typography>
          )}
          {agent.call && (
            <Typography variant="body2" data-testid="agent-panel-call">
              {t('supervisor.panel.call', {
                caller: agent.call.customerName ?? agent.call.callerNumber,
                duration: clock(since(agent.call.answeredAt ?? agent.call.ringAt, svcNow)),
              })}
            </Typography>
          )}
          {error && <ErrorAlert error={error} testId="agent-panel-error" onClose={() => setError(null)} />}

          <Divider />
          <Typography variant="subtitle2">{t('supervisor.panel.setState')}</Typography>
          <Stack direction="row" spacing={1}>
            <TextField
              select
              size="small"
              label={t('supervisor.panel.reason')}
              value={reason}
              onChange={(e) => setReason(e.target.value as BreakReason)}
              sx={{ minWidth: 130 }}
              inputRef={breakRef}
              slotProps={{ htmlInput: { 'data-testid': 'agent-panel-reason' } }}
            >
              {REASONS.map((r) => (
                <MenuItem key={r} value={r} data-testid={`agent-panel-reason-${r}`}>
                  {t(`phone.agent.reasons.${r}`)}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              size="small"
              label={t('supervisor.panel.note')}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              sx={{ flex: 1 }}
              slotProps={{ htmlInput: { maxLength: 500, 'data-testid': 'agent-panel-note' } }}
            />
          </Stack>
          <Stack direction="row" spacing={1}>
            <Button
              ref={firstRef}
              size="small"
              variant="contained"
              color="warning"
              disabled={busy}
              onClick={() => void setState('Break')}
              data-testid="agent-panel-break"
            >
              {t('supervisor.panel.break')}
            </Button>
            <Button
              size="small"
              variant="outlined"
              disabled={busy}
              autoFocus={initialAction === 'offline'}
              onClick={() => void setState('Offline')}
              data-testid="agent-panel-offline"
            >
              {t('phone.agent.state.Offline')}
            </Button>
            <Button
              size="small"
              variant="outlined"
              color="success"
              disabled={busy}
              autoFocus={initialAction === 'available'}
              onClick={() => void setState('Available')}
              data-testid="agent-panel-available"
            >
              {t('phone.agent.state.Available')}
            </Button>
          </Stack>

          <Divider />
          <Typography variant="subtitle2">{t('supervisor.panel.message')}</Typography>
          <Stack direction="row" spacing={1}>
            <TextField
              size="small"
              fullWidth
              value={message}
              placeholder={t('supervisor.message.placeholder')}
              onChange={(e) => setMessage(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  void send();
                }
              }}
              inputRef={messageRef}
              slotProps={{ htmlInput: { maxLength: 1000, 'data-testid': 'agent-panel-message' } }}
            />
            <Button
              size="small"
              disabled={busy || !message.trim()}
              onClick={() => void send()}
              data-testid="agent-panel-send"
            >
              {t('supervisor.message.send')}
            </Button>
          </Stack>
          {sent && (
            <Typography variant="caption" color="success.main" data-testid="agent-panel-sent">
              {t('supervisor.message.sent', { text: sent })}
            </Typography>
          )}
          {onOpenTickets && (
            <Button
              size="small"
              sx={{ alignSelf: 'flex-start' }}
              onClick={() => onOpenTickets(agent.userId)}
              data-testid="agent-panel-tickets"
            >
              {t('supervisor.panel.tickets')}
            </Button>
          )}

          <Divider />
          <Typography variant="subtitle2">{t('supervisor.panel.history')}</Typography>
          <List dense disablePadding data-testid="agent-history">
            {(history ?? []).map((h) => (
              <ListItem
                key={h.id}
                disableGutters
                data-testid="agent-history-row"
                data-cause={h.cause}
                data-to={h.to}
              >
                <ListItemText
                  primary={
                    <>
                      {t(`phone.agent.state.${h.from}`)} → {stateLabel(h.to, h.reason)}
                      <Typography component="span" variant="caption" color="text.secondary">
                        {'  '}
                        {fmt.absolute(h.at)}
                      </Typography>
                    </>
                  }
                  secondary={
                    <Box component="span">
                      {t(`supervisor.cause.${h.cause}`)} · {h.actorName ?? nameOf(h.actorId)}
                      {h.note && (
                        <Box
                          component="span"
                          sx={{ display: 'block', fontStyle: 'italic' }}
                          data-testid="agent-history-note"
                        >
                          “{h.note}”
                        </Box>
                      )}
                    </Box>
                  }
                />
              </ListItem>
            ))}
            {history?.length === 0 && (
              <Typography variant="body2" color="text.secondary">
                {t('supervisor.panel.noHistory')}
              </Typography>
            )}
          </List>
        </Stack>
      )}
    </Drawer>
  );
}

import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared/protocol/errors';
import type { AgentLive, DepartmentLive, QueueLive, WaitingCall } from '../../shared/protocol/supervisor';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';
import { clock, since } from './live';

/**
 * The callers waiting in the supervisor's queues, asked again whenever the view's waiting counts change
 * (pushed), and "offer to this agent next" for each (the agent must be Available).
 */
export function WaitingCallsDialog({
  open,
  onClose,
  queues,
  agents,
  svcNow,
  waitingTotal,
}: {
  open: boolean;
  onClose: () => void;
  queues: QueueLive[];
  agents: AgentLive[];
  svcNow: number;
  waitingTotal: number;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [calls, setCalls] = useState<WaitingCall[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const queueKey = queues.map((q) => `${q.queueId}:${q.waiting}:${q.oldestWaitingSince ?? ''}`).join(',');

  useEffect(() => {
    if (!open) return;
    let live = true;
    getApi()
      .invoke('supervisor.waiting', {})
      .then(
        (r) => live && (setCalls(r.calls), setError(null)),
        (e: unknown) => live && setError(errorBodyOf(e)),
      );
    return () => {
      live = false;
    };
  }, [open, queueKey]);

  const assign = async (c: WaitingCall) => {
    const userId = choice[c.callId];
    if (!userId) return;
    setError(null);
    try {
      await getApi().invoke('supervisor.assignCall', { callId: c.callId, userId });
      setDone(agents.find((a) => a.userId === userId)?.displayName ?? null);
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      slotProps={{ paper: { 'data-testid': 'waiting-dialog' } as object }}
    >
      <DialogTitle>{t('supervisor.waiting.title', { count: waitingTotal })}</DialogTitle>
      <DialogContent>
        {error && <ErrorAlert error={error} testId="waiting-error" onClose={() => setError(null)} />}
        {done && (
          <Alert severity="success" onClose={() => setDone(null)} sx={{ py: 0, mb: 1 }}>
            {t('supervisor.waiting.assigned', { name: done })}
          </Alert>
        )}
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('supervisor.waiting.position')}</TableCell>
              <TableCell>{t('supervisor.waiting.queue')}</TableCell>
              <TableCell>{t('supervisor.waiting.caller')}</TableCell>
              <TableCell align="right">{t('supervisor.waiting.waited')}</TableCell>
              <TableCell>{t('supervisor.waiting.assign')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(calls ?? []).map((c) => {
              const q = queues.find((x) => x.queueId === c.queueId);
              const free = agents.filter(
                (a) => a.state === 'Available' && (!q || a.departmentId === q.departmentId),
              );
              return (
                <TableRow key={c.callId} data-testid="waiting-row">
                  <TableCell>{c.position}</TableCell>
                  <TableCell>
                    {q ? `${fmt.lang === 'zh-CN' ? q.nameZh : q.nameEn} ${q.number}` : ''}
                  </TableCell>
                  <TableCell>
                    {c.customerName ?? c.callerNumber}
                    {c.customerName && (
                      <Typography component="span" variant="caption" color="text.secondary">
                        {' '}
                        {c.callerNumber}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell align="right">{clock(since(c.since, svcNow))}</TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={1}>
                      <TextField
                        select
                        size="small"
                        value={choice[c.callId] ?? ''}
                        onChange={(e) => setChoice({ ...choice, [c.callId]: e.target.value })}
                        sx={{ minWidth: 160 }}
                        label={t('supervisor.waiting.agent')}
                        slotProps={{ htmlInput: { 'data-testid': 'waiting-agent' } }}
                      >
                        {free.length === 0 && (
                          <MenuItem value="" disabled>
                            {t('supervisor.waiting.nobodyFree')}
                          </MenuItem>
                        )}
                        {free.map((a) => (
                          <MenuItem key={a.userId} value={a.userId}>
                            {a.displayName}
                          </MenuItem>
                        ))}
                      </TextField>
                      <Button
                        size="small"
                        disabled={!choice[c.callId]}
                        onClick={() => void assign(c)}
                        data-testid="waiting-assign"
                      >
                        {t('supervisor.waiting.assignButton')}
                      </Button>
                    </Stack>
                  </TableCell>
                </TableRow>
              );
            })}
            {calls?.length === 0 && (
              <TableRow>
                <TableCell colSpan={5} sx={{ color: 'text.secondary' }}>
                  {t('supervisor.waiting.none')}
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('supervisor.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}

/** A message to every desktop of one department (the team). */
export function MessageDialog({
  open,
  onClose,
  departments,
  initialDepartmentId,
}: {
  open: boolean;
  onClose: () => void;
  departments: DepartmentLive[];
  initialDepartmentId: string;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [dept, setDept] = useState(initialDepartmentId);
  const [text, setText] = useState('');
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setDept(initialDepartmentId);
      setError(null);
    }
  }, [open, initialDepartmentId]);

  const send = async () => {
    if (!dept || !text.trim()) return;
    setBusy(true);
    try {
      await getApi().invoke('supervisor.message', { toDepartmentId: dept, text: text.trim() });
      setText('');
      onClose();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      slotProps={{ paper: { 'data-testid': 'team-message-dialog' } as object }}
    >
      <DialogTitle>{t('supervisor.message.teamTitle')}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
          <TextField
            select
            size="small"
            label={t('supervisor.filter.department')}
            value={dept}
            onChange={(e) => setDept(e.target.value)}
          >
            {departments.map((d) => (
              <MenuItem key={d.departmentId} value={d.departmentId}>
                {fmt.lang === 'zh-CN' ? d.nameZh : d.nameEn}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            autoFocus
            multiline
            minRows={2}
            size="small"
            label={t('supervisor.message.text')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && e.ctrlKey) void send();
            }}
            slotProps={{ htmlInput: { maxLength: 1000, 'data-testid': 'team-message-text' } }}
          />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('supervisor.cancel')}</Button>
        <Button
          variant="contained"
          disabled={busy || !dept || !text.trim()}
          onClick={() => void send()}
          data-testid="team-message-send"
        >
          {t('supervisor.message.send')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

import CampaignIcon from '@mui/icons-material/CampaignOutlined';
import PhoneInTalkIcon from '@mui/icons-material/PhoneInTalkOutlined';
import TvIcon from '@mui/icons-material/TvOutlined';
import {
  Box,
  Button,
  Chip,
  MenuItem,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TableSortLabel,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentLive, DepartmentLive, QueueLive } from '../../shared/protocol/supervisor';
import type { AgentState } from '../../shared/protocol/voice';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';
import { useNow } from '../i18n/use-now';
import { AgentPanel, type PanelAction } from './AgentPanel';
import {
  clock,
  levelTone,
  serviceNow,
  since,
  sortRows,
  STATE_COLOR,
  waitTone,
  type Sort,
  type Tone,
} from './live';
import { useSupervisorView } from './use-supervisor-view';
import { MessageDialog, WaitingCallsDialog } from './MonitorDialogs';
import { WallboardDialog } from './WallboardDialog';

const STATES: AgentState[] = ['Available', 'OnCall', 'WrapUp', 'Break', 'Offline'];

type QueueKey =
  'name' | 'waiting' | 'longest' | 'offered' | 'answered' | 'abandoned' | 'level' | 'asa' | 'aht';
type AgentKey = 'name' | 'state' | 'time' | 'call' | 'chats';

const toneSx = (tone: Tone) =>
  tone === 'default' ? {} : { color: `${tone}.main`, fontWeight: 700 as const };

/**
 * The supervisor's live queue monitor (issue 14): queues, agents and the departments' chats and tickets, as
 * the central service pushes them. Times count up on this screen from the service's instants; when the link
 * is down the numbers stay and the page says how old they are.
 */
export function MonitorPage({ onOpenTickets }: { onOpenTickets?: (assigneeId: string) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const sv = useSupervisorView();
  const now = useNow(1000);
  const svcNow = serviceNow(sv, now);
  const view = sv.view;

  const [dept, setDept] = useState('');
  const [stateFilter, setStateFilter] = useState<AgentState | ''>('');
  const [text, setText] = useState('');
  const [qSort, setQSort] = useState<Sort<QueueKey>>({ key: 'waiting', dir: 'desc' });
  const [aSort, setASort] = useState<Sort<AgentKey>>({ key: 'state', dir: 'asc' });
  const [selected, setSelected] = useState<string | null>(null);
  const [panel, setPanel] = useState<{ userId: string; action: PanelAction | null } | null>(null);
  const [waitingOpen, setWaitingOpen] = useState(false);
  const [teamMessage, setTeamMessage] = useState(false);
  const [wallboard, setWallboard] = useState(false);
  const agentsRef = useRef<HTMLTableSectionElement>(null);

  const name = (x: { nameZh: string; nameEn: string }) => (fmt.lang === 'zh-CN' ? x.nameZh : x.nameEn);
  const needle = text.trim().toLowerCase();
  // The clock moves every second; a table sorted by a time follows it, the others do not re-sort.
  const qTick = qSort.key === 'longest' ? svcNow : 0;
  const aTick = aSort.key === 'time' || aSort.key === 'call' ? svcNow : 0;

  const queues = useMemo(() => {
    const rows = (view?.queues ?? []).filter(
      (q) =>
        (!dept || q.departmentId === dept) &&
        (!needle || `${q.number} ${q.nameZh} ${q.nameEn}`.toLowerCase().includes(needle)),
    );
    const value = (q: QueueLive, k: QueueKey): string | number | null => {
      switch (k) {
        case 'name':
          return name(q);
        case 'longest':
          return since(q.oldestWaitingSince, svcNow);
        case 'level':
          return q.serviceLevel;
        case 'asa':
          return q.avgSpeedOfAnswerSeconds;
        case 'aht':
          return q.avgHandleSeconds;
        default:
          return q[k];
      }
    };
    return sortRows(rows, qSort, value, fmt.lang);
    // svcNow moves every second; sorting by the longest wait follows it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, dept, needle, qSort, fmt.lang, qTick]);

  const agents = useMemo(() => {
    const rows = (view?.agents ?? []).filter(
      (a) =>
        (!dept || a.departmentId === dept) &&
        (!stateFilter || a.state === stateFilter) &&
        (!needle ||
          `${a.displayName} ${a.extension ?? ''} ${a.call?.callerNumber ?? ''} ${a.call?.customerName ?? ''}`
            .toLowerCase()
            .includes(needle)),
    );
    const value = (a: AgentLive, k: AgentKey): string | number | null => {
      switch (k) {
        case 'name':
          return a.displayName;
        case 'state':
          return STATES.indexOf(a.state);
        case 'time':
          return since(a.since, svcNow);
        case 'call':
          return a.call ? since(a.call.answeredAt ?? a.call.ringAt, svcNow) : null;
        case 'chats':
          return a.chats;
      }
    };
    return sortRows(rows, aSort, value, fmt.lang);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, dept, stateFilter, needle, aSort, fmt.lang, aTick]);

  const departments = (view?.departments ?? []).filter((d) => !dept || d.departmentId === dept);
  const selectedIndex = agents.findIndex((a) => a.userId === selected);
  const panelAgent = panel ? (view?.agents.find((a) => a.userId === panel.userId) ?? null) : null;
  const waitingTotal = (view?.queues ?? []).reduce((n, q) => n + q.waiting, 0);

  const focusRow = (i: number) => {
    const a = agents[i];
    if (!a) return;
    setSelected(a.userId);
    agentsRef.current?.querySelector<HTMLElement>(`[data-user="${a.userId}"]`)?.focus();
  };
  const onAgentKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey || (e.nativeEvent as { isComposing?: boolean }).isComposing)
      return;
    const i = selectedIndex < 0 ? -1 : selectedIndex;
    const open = (action: PanelAction | null) => {
      const a = agents[i];
      if (!a) return;
      e.preventDefault();
      setPanel({ userId: a.userId, action });
    };
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        e.preventDefault();
        return focusRow(Math.min(agents.length - 1, i + 1));
      case 'ArrowUp':
      case 'k':
        e.preventDefault();
        return focusRow(Math.max(0, i - 1));
      case 'Enter':
        return open(null);
      case 'b':
        return open('break');
      case 'o':
        return open('offline');
      case 'v':
        return open('available');
      case 'm':
        return open('message');
    }
  };

  const sortHead = <K extends string>(
    sort: Sort<K>,
    setSort: (s: Sort<K>) => void,
    key: K,
    label: ReactNode,
    align: 'left' | 'right' = 'right',
  ) => (
    <TableCell
      align={align}
      sortDirection={sort.key === key ? sort.dir : false}
      sx={{ whiteSpace: 'nowrap' }}
    >
      <TableSortLabel
        active={sort.key === key}
        direction={sort.key === key ? sort.dir : 'asc'}
        onClick={() =>
          setSort({
            key,
            dir: sort.key === key && sort.dir === 'desc' ? 'asc' : sort.key === key ? 'desc' : 'asc',
          })
        }
        data-testid={`sort-${key}`}
      >
        {label}
      </TableSortLabel>
    </TableCell>
  );

  const age = view && sv.receivedAt ? Math.max(0, (now - Date.parse(sv.receivedAt)) / 1000) : null;

  return (
    <Box
      data-testid="monitor-page"
      data-live={sv.live ? 'true' : 'false'}
      data-seq={view?.seq ?? -1}
      sx={{
        flex: 1,
        minWidth: 0,
        overflow: 'auto',
        p: 1.5,
        display: 'flex',
        flexDirection: 'column',
        gap: 1.5,
      }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
        <Typography variant="h6" sx={{ mr: 1 }}>
          {t('supervisor.title')}
        </Typography>
        {sv.live ? (
          <Tooltip title={t('supervisor.liveHint')}>
            <Chip size="small" color="success" label={t('supervisor.live')} data-testid="monitor-live" />
          </Tooltip>
        ) : view ? (
          <Chip
            size="small"
            color="warning"
            label={t('supervisor.asOf', { time: fmt.absolute(view.at), age: clock(age) })}
            data-testid="monitor-stale"
          />
        ) : null}
        <TextField
          select
          size="small"
          label={t('supervisor.filter.department')}
          value={dept}
          onChange={(e) => setDept(e.target.value)}
          sx={{ minWidth: 160 }}
          slotProps={{ htmlInput: { 'data-testid': 'monitor-filter-department' } }}
        >
          <MenuItem value="">{t('supervisor.filter.all')}</MenuItem>
          {(view?.departments ?? []).map((d) => (
            <MenuItem key={d.departmentId} value={d.departmentId}>
              {name(d)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label={t('supervisor.filter.state')}
          value={stateFilter}
          onChange={(e) => setStateFilter(e.target.value as AgentState | '')}
          sx={{ minWidth: 130 }}
          slotProps={{ htmlInput: { 'data-testid': 'monitor-filter-state' } }}
        >
          <MenuItem value="">{t('supervisor.filter.all')}</MenuItem>
          {STATES.map((s) => (
            <MenuItem key={s} value={s}>
              {t(`phone.agent.state.${s}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          size="small"
          label={t('supervisor.filter.text')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'monitor-filter-text' } }}
        />
        <Box sx={{ flex: 1 }} />
        <Button
          size="small"
          startIcon={<PhoneInTalkIcon />}
          onClick={() => setWaitingOpen(true)}
          data-testid="monitor-waiting"
        >
          {t('supervisor.waiting.open', { count: waitingTotal })}
        </Button>
        <Button
          size="small"
          startIcon={<CampaignIcon />}
          onClick={() => setTeamMessage(true)}
          data-testid="monitor-team-message"
        >
          {t('supervisor.message.team')}
        </Button>
        <Button
          size="small"
          startIcon={<TvIcon />}
          onClick={() => setWallboard(true)}
          data-testid="monitor-wallboard"
        >
          {t('supervisor.wallboard.open')}
        </Button>
      </Stack>
      {sv.error && <ErrorAlert error={sv.error} testId="monitor-error" />}

      <Paper variant="outlined">
        <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1 }}>
          {t('supervisor.queues.title')}
        </Typography>
        <TableContainer>
          <Table size="small" data-testid="monitor-queues">
            <TableHead>
              <TableRow>
                {sortHead(qSort, setQSort, 'name', t('supervisor.queues.name'), 'left')}
                {sortHead(qSort, setQSort, 'waiting', t('supervisor.queues.waiting'))}
                {sortHead(qSort, setQSort, 'longest', t('supervisor.queues.longest'))}
                {sortHead(qSort, setQSort, 'offered', t('supervisor.queues.offered'))}
                {sortHead(qSort, setQSort, 'answered', t('supervisor.queues.answered'))}
                {sortHead(qSort, setQSort, 'abandoned', t('supervisor.queues.abandoned'))}
                {sortHead(qSort, setQSort, 'level', t('supervisor.queues.level'))}
                {sortHead(qSort, setQSort, 'asa', t('supervisor.queues.asa'))}
                {sortHead(qSort, setQSort, 'aht', t('supervisor.queues.aht'))}
                <TableCell>{t('supervisor.queues.agents')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {queues.map((q) => {
                const longest = since(q.oldestWaitingSince, svcNow);
                return (
                  <TableRow key={q.queueId} hover data-testid="monitor-queue-row" data-queue={q.number}>
                    <TableCell>
                      {name(q)}{' '}
                      <Typography component="span" variant="caption" color="text.secondary">
                        {q.number}
                      </Typography>
                    </TableCell>
                    <TableCell
                      align="right"
                      data-testid="queue-waiting"
                      sx={toneSx(q.waiting > 0 ? 'warning' : 'default')}
                    >
                      {q.waiting}
                    </TableCell>
                    <TableCell
                      align="right"
                      data-testid="queue-longest"
                      sx={toneSx(waitTone(longest, q.serviceLevelSeconds))}
                    >
                      {clock(longest)}
                    </TableCell>
                    <TableCell align="right" data-testid="queue-offered">
                      {q.offered}
                    </TableCell>
                    <TableCell align="right" data-testid="queue-answered">
                      {q.answered}
                    </TableCell>
                    <TableCell align="right" data-testid="queue-abandoned">
                      {q.abandoned}
                    </TableCell>
                    <TableCell
                      align="right"
                      data-testid="queue-level"
                      data-tone={levelTone(q)}
                      sx={toneSx(levelTone(q))}
                    >
                      <Tooltip
                        title={t('supervisor.queues.levelHint', {
                          target: Math.round(q.serviceLevelTarget * 100),
                          seconds: q.serviceLevelSeconds,
                          within: q.answeredWithinThreshold,
                          offered: q.offered,
                        })}
                      >
                        <span>{q.serviceLevel === null ? '—' : `${Math.round(q.serviceLevel * 100)}%`}</span>
                      </Tooltip>
                    </TableCell>
                    <TableCell align="right">{clock(q.avgSpeedOfAnswerSeconds)}</TableCell>
                    <TableCell align="right">{clock(q.avgHandleSeconds)}</TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Tooltip title={t('supervisor.queues.agentsHint')}>
                        <Box component="span" data-testid="queue-agents">
                          <Box component="span" sx={{ color: 'success.main' }}>
                            {q.agents.available}
                          </Box>
                          {' · '}
                          <Box component="span" sx={{ color: 'error.main' }}>
                            {q.agents.onCall}
                          </Box>
                          {' · '}
                          <Box component="span" sx={{ color: 'info.main' }}>
                            {q.agents.wrapUp}
                          </Box>
                          {' · '}
                          <Box component="span" sx={{ color: 'warning.main' }}>
                            {q.agents.onBreak}
                          </Box>
                          {' · '}
                          <Box component="span" sx={{ color: 'text.disabled' }}>
                            {q.agents.offline}
                          </Box>
                        </Box>
                      </Tooltip>
                    </TableCell>
                  </TableRow>
                );
              })}
              {view && queues.length === 0 && (
                <TableRow>
                  <TableCell colSpan={10} sx={{ color: 'text.secondary' }}>
                    {t('supervisor.queues.none')}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>

      <Paper variant="outlined">
        <Stack direction="row" sx={{ px: 1.5, pt: 1, alignItems: 'baseline', gap: 1 }}>
          <Typography variant="subtitle2">{t('supervisor.agents.title')}</Typography>
          <Typography variant="caption" color="text.secondary">
            {t('supervisor.agents.keys')}
          </Typography>
        </Stack>
        <TableContainer>
          <Table size="small" data-testid="monitor-agents">
            <TableHead>
              <TableRow>
                {sortHead(aSort, setASort, 'name', t('supervisor.agents.name'), 'left')}
                {sortHead(aSort, setASort, 'state', t('supervisor.agents.state'), 'left')}
                {sortHead(aSort, setASort, 'time', t('supervisor.agents.time'))}
                {sortHead(aSort, setASort, 'call', t('supervisor.agents.call'), 'left')}
                <TableCell>{t('supervisor.agents.pending')}</TableCell>
                {sortHead(aSort, setASort, 'chats', t('supervisor.agents.chats'))}
              </TableRow>
            </TableHead>
            <TableBody ref={agentsRef} onKeyDown={onAgentKey}>
              {agents.map((a, i) => (
                <AgentRow
                  key={a.userId}
                  agent={a}
                  svcNow={svcNow}
                  selected={a.userId === selected}
                  tabbable={selectedIndex < 0 ? i === 0 : a.userId === selected}
                  onSelect={() => setSelected(a.userId)}
                  onOpen={() => setPanel({ userId: a.userId, action: null })}
                />
              ))}
              {view && agents.length === 0 && (
                <TableRow>
                  <TableCell colSpan={6} sx={{ color: 'text.secondary' }}>
                    {t('supervisor.agents.none')}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>

      <Paper variant="outlined">
        <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1 }}>
          {t('supervisor.departments.title')}
        </Typography>
        <TableContainer>
          <Table size="small" data-testid="monitor-departments">
            <TableHead>
              <TableRow>
                <TableCell>{t('supervisor.departments.name')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.chatsWaiting')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.chatLongest')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.chatsActive')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.ticketsOpen')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.ticketsUnassigned')}</TableCell>
                <TableCell align="right">{t('supervisor.departments.ticketsBreached')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {departments.map((d: DepartmentLive) => (
                <TableRow key={d.departmentId} hover data-testid="monitor-department-row">
                  <TableCell>{name(d)}</TableCell>
                  <TableCell align="right" sx={toneSx(d.chatsWaiting > 0 ? 'warning' : 'default')}>
                    {d.chatsWaiting}
                  </TableCell>
                  <TableCell align="right">{clock(since(d.oldestChatWaitingSince, svcNow))}</TableCell>
                  <TableCell align="right">{d.chatsActive}</TableCell>
                  <TableCell align="right">{d.ticketsOpen}</TableCell>
                  <TableCell align="right" sx={toneSx(d.ticketsUnassigned > 0 ? 'warning' : 'default')}>
                    {d.ticketsUnassigned}
                  </TableCell>
                  <TableCell align="right" sx={toneSx(d.ticketsBreached > 0 ? 'error' : 'default')}>
                    {d.ticketsBreached}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>

      <AgentPanel
        agent={panelAgent}
        initialAction={panel?.action ?? null}
        svcNow={svcNow}
        agents={view?.agents ?? []}
        onClose={() => {
          const id = panel?.userId;
          setPanel(null);
          if (id)
            setTimeout(() => agentsRef.current?.querySelector<HTMLElement>(`[data-user="${id}"]`)?.focus());
        }}
        onOpenTickets={onOpenTickets}
      />
      <WaitingCallsDialog
        open={waitingOpen}
        onClose={() => setWaitingOpen(false)}
        queues={view?.queues ?? []}
        agents={view?.agents ?? []}
        svcNow={svcNow}
        waitingTotal={waitingTotal}
      />
      <MessageDialog
        open={teamMessage}
        onClose={() => setTeamMessage(false)}
        departments={view?.departments ?? []}
        initialDepartmentId={dept || (view?.departments[0]?.departmentId ?? '')}
      />
      <WallboardDialog
        open={wallboard}
        onClose={() => setWallboard(false)}
        departments={view?.departments ?? []}
      />
    </Box>
  );
}

function AgentRow({
  agent: a,
  svcNow,
  selected,
  tabbable,
  onSelect,
  onOpen,
}: {
  agent: AgentLive;
  svcNow: number;
  selected: boolean;
  tabbable: boolean;
  onSelect: () => void;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  // Available without a registered phone takes chats and tickets but no calls: say so, as the agent's bar does.
  const stateLabel =
    a.state === 'Break' && a.reason
      ? `${t('phone.agent.state.Break')} · ${t(`phone.agent.reasons.${a.reason}`)}`
      : a.state === 'Available' && a.phoneRegistered === false
        ? t('agentState.availableNoPhoneShort')
        : t(`phone.agent.state.${a.state}`);
  const call = a.call;
  return (
    <TableRow
      hover
      selected={selected}
      tabIndex={tabbable ? 0 : -1}
      aria-selected={selected}
      data-testid="monitor-agent-row"
      data-user={a.userId}
      data-state={a.state}
      onFocus={onSelect}
      onClick={onSelect}
      onDoubleClick={onOpen}
      sx={{
        cursor: 'pointer',
        '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineOffset: -2 },
      }}
    >
      <TableCell>
        {a.displayName}{' '}
        {a.extension && (
          <Typography component="span" variant="caption" color="text.secondary">
            {a.extension}
          </Typography>
        )}
      </TableCell>
      <TableCell>
        <Tooltip title={a.note ?? ''}>
          <Chip size="small" color={STATE_COLOR[a.state]} label={stateLabel} data-testid="agent-state-chip" />
        </Tooltip>
      </TableCell>
      <TableCell align="right" data-testid="agent-time">
        {clock(since(a.since, svcNow))}
      </TableCell>
      <TableCell data-testid="agent-call">
        {call ? (
          <>
            {call.customerName ?? call.callerNumber}
            {call.customerName && (
              <Typography component="span" variant="caption" color="text.secondary">
                {' '}
                {call.callerNumber}
              </Typography>
            )}
            {' · '}
            {call.answeredAt ? clock(since(call.answeredAt, svcNow)) : t('supervisor.agents.ringing')}
          </>
        ) : (
          ''
        )}
      </TableCell>
      <TableCell data-testid="agent-pending">
        {a.pending
          ? a.pending.state === 'Break' && a.pending.reason
            ? `${t('phone.agent.state.Break')} · ${t(`phone.agent.reasons.${a.pending.reason}`)}`
            : t(`phone.agent.state.${a.pending.state}`)
          : ''}
      </TableCell>
      <TableCell align="right">{a.chats}</TableCell>
    </TableRow>
  );
}

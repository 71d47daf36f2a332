import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import {
  Button,
  Checkbox,
  Chip,
  FormControlLabel,
  IconButton,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Channel,
  TicketPriority,
  WEEKDAYS,
  type BusinessCalendar,
  type EscalationRule,
  type ErrorBody,
  type SlaPolicy,
  type SlaWarning,
  type Weekday,
} from '../../shared';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText } from './admin-error-text';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from './admin-context';
import { AdminDialog, localRefusal, numberOrNull } from './AdminDialog';
import { AdminSection, AdminTable, EmptyRow } from './AdminTable';
import {
  holidaysText,
  hoursText,
  isLineError,
  parseHolidays,
  parseHours,
  parseWorkdays,
  workdaysText,
} from './calendar-text';
import { DepartmentOptions } from '../common/DepartmentOptions';

export function SlaTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { overview, department, apply } = useAdmin();
  const { slaPolicies, calendars } = overview.config;
  const [policy, setPolicy] = useState<{ policy: SlaPolicy | null } | null>(null);
  const [calendar, setCalendar] = useState<{ calendar: BusinessCalendar | null } | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const minutes = (m: number | null) => (m === null ? t('admin.none') : String(m));
  const warning = (w: SlaWarning) =>
    w.kind === 'percent'
      ? t('admin.sla.warnPercentShort', { value: w.percent })
      : t('admin.sla.warnMinutesShort', { value: w.minutes });
  const remove = async (p: SlaPolicy) => {
    if (window.confirm(t('admin.sla.deletePolicy')))
      setError(await apply({ op: 'slaPolicy.delete', id: p.id }));
  };
  const removeCalendar = async (c: BusinessCalendar) => {
    if (window.confirm(t('admin.sla.deleteCalendar')))
      setError(await apply({ op: 'calendar.delete', id: c.id }));
  };
  const sorted = [...slaPolicies].sort(
    (a, b) =>
      a.departmentId.localeCompare(b.departmentId) ||
      TicketPriority.options.indexOf(b.priority) - TicketPriority.options.indexOf(a.priority) ||
      Channel.options.indexOf(a.channel) - Channel.options.indexOf(b.channel),
  );
  return (
    <>
      {error && (
        <ErrorAlert
          describe={adminErrorText}
          error={error}
          onClose={() => setError(null)}
          testId="admin-sla-error"
        />
      )}
      <AdminSection
        title={t('admin.sla.policies')}
        count={t('admin.count', { count: slaPolicies.length })}
        addLabel={t('admin.sla.newPolicy')}
        onAdd={() => setPolicy({ policy: null })}
        addTestId="admin-sla-new"
      >
        <AdminTable
          testId="admin-sla-policies"
          head={[
            t('admin.sla.department'),
            t('admin.sla.priority'),
            t('admin.sla.channel'),
            t('admin.sla.firstResponse'),
            t('admin.sla.nextResponse'),
            t('admin.sla.resolution'),
            t('admin.sla.warning'),
            t('admin.sla.calendar'),
            t('admin.sla.escalations'),
            t('admin.sla.active'),
            '',
          ]}
        >
          {sorted.length === 0 && <EmptyRow span={11} text={t('admin.sla.noPolicies')} />}
          {sorted.map((p) => (
            <TableRow key={p.id} hover data-testid="admin-sla-row">
              <TableCell>{fmt.department(department(p.departmentId))}</TableCell>
              <TableCell>{t(`tickets.priority.${p.priority}`)}</TableCell>
              <TableCell>{t(`admin.channel.${p.channel}`)}</TableCell>
              <TableCell align="right">{minutes(p.firstResponseMinutes)}</TableCell>
              <TableCell align="right">{minutes(p.nextResponseMinutes)}</TableCell>
              <TableCell align="right">{minutes(p.resolutionMinutes)}</TableCell>
              <TableCell>{warning(p.warning)}</TableCell>
              <TableCell>{calendars.find((c) => c.id === p.calendarId)?.name ?? p.calendarId}</TableCell>
              <TableCell>{p.escalations.length}</TableCell>
              <TableCell>{p.active ? t('admin.yes') : t('admin.no')}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }} align="right">
                <Button onClick={() => setPolicy({ policy: p })}>{t('admin.edit')}</Button>
                <Tooltip title={t('admin.delete')}>
                  <IconButton aria-label={t('admin.delete')} onClick={() => void remove(p)}>
                    <DeleteIcon fontSize="small" />
                  </IconButton>
                </Tooltip>
              </TableCell>
            </TableRow>
          ))}
        </AdminTable>
      </AdminSection>
      <AdminSection
        title={t('admin.sla.calendars')}
        count={t('admin.count', { count: calendars.length })}
        addLabel={t('admin.sla.newCalendar')}
        onAdd={() => setCalendar({ calendar: null })}
        addTestId="admin-calendar-new"
      >
        <AdminTable
          testId="admin-calendars"
          head={[
            t('admin.sla.calendarId'),
            t('admin.sla.calendarName'),
            t('admin.sla.timeZone'),
            t('admin.sla.hours'),
            t('admin.sla.holidays'),
            t('admin.sla.workdays'),
            '',
          ]}
        >
          {calendars.map((c) => (
            <TableRow key={c.id} hover data-testid="admin-calendar-row">
              <TableCell sx={{ fontFamily: 'monospace' }}>{c.id}</TableCell>
              <TableCell>{c.name}</TableCell>
              <TableCell>{c.timeZone}</TableCell>
              <TableCell>
                <Stack direction="row" spacing={0.5} sx={{ flexWrap: 'wrap', rowGap: 0.5 }}>
                  {WEEKDAYS.map((d) => (
                    <Tooltip key={d} title={hoursText(c.weekly[d]) || t('admin.none')}>
                      <Chip
                        label={t(`admin.sla.weekdays.${d}`)}
                        variant={c.weekly[d].length > 0 ? 'filled' : 'outlined'}
                        color={c.weekly[d].length > 0 ? 'primary' : 'default'}
                      />
                    </Tooltip>
                  ))}
                </Stack>
              </TableCell>
              <TableCell>{c.holidays.length}</TableCell>
              <TableCell>{c.workdays.length}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }} align="right">
                <Button onClick={() => setCalendar({ calendar: c })}>{t('admin.edit')}</Button>
                <Tooltip title={t('admin.delete')}>
                  <IconButton aria-label={t('admin.delete')} onClick={() => void removeCalendar(c)}>
                    <DeleteIcon fontSize="small" />
                  </IconButton>
                </Tooltip>
              </TableCell>
            </TableRow>
          ))}
        </AdminTable>
      </AdminSection>
      {policy && <PolicyDialog policy={policy.policy} onClose={() => setPolicy(null)} />}
      {calendar && <CalendarDialog calendar={calendar.calendar} onClose={() => setCalendar(null)} />}
    </>
  );
}

const POLICY_FIELDS = [
  'departmentId',
  'priority',
  'channel',
  'calendarId',
  'firstResponseMinutes',
  'nextResponseMinutes',
  'resolutionMinutes',
] as const;

function PolicyDialog({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [departmentId, setDepartmentId] = useState(policy?.departmentId ?? overview.departments[0]?.id ?? '');
  const [priority, setPriority] = useState<TicketPriority>(policy?.priority ?? 'normal');
  const [channel, setChannel] = useState<Channel>(policy?.channel ?? 'phone');
  const [calendarId, setCalendarId] = useState(policy?.calendarId ?? overview.config.calendars[0]?.id ?? '');
  const [first, setFirst] = useState(String(policy?.firstResponseMinutes ?? ''));
  const [next, setNext] = useState(String(policy?.nextResponseMinutes ?? ''));
  const [resolution, setResolution] = useState(String(policy?.resolutionMinutes ?? ''));
  const [warnKind, setWarnKind] = useState<SlaWarning['kind']>(policy?.warning.kind ?? 'percent');
  const [warnValue, setWarnValue] = useState(
    String(
      policy ? (policy.warning.kind === 'percent' ? policy.warning.percent : policy.warning.minutes) : 80,
    ),
  );
  const [rules, setRules] = useState<EscalationRule[]>(policy?.escalations ?? []);
  const [active, setActive] = useState(policy?.active ?? true);
  const build = () => {
    const input = {
      departmentId,
      priority,
      channel,
      calendarId,
      firstResponseMinutes: numberOrNull(first),
      nextResponseMinutes: numberOrNull(next),
      resolutionMinutes: numberOrNull(resolution),
      warning:
        warnKind === 'percent'
          ? { kind: 'percent' as const, percent: Number(warnValue) }
          : { kind: 'minutesBefore' as const, minutes: Number(warnValue) },
      escalations: rules,
      active,
    };
    return policy
      ? { op: 'slaPolicy.update' as const, id: policy.id, input }
      : { op: 'slaPolicy.create' as const, input };
  };
  const minutesField = (
    label: string,
    value: string,
    set: (v: string) => void,
    err?: string,
    testId?: string,
  ) => (
    <TextField
      label={label}
      type="number"
      value={value}
      onChange={(e) => set(e.target.value)}
      error={!!err}
      helperText={err ?? t('admin.sla.targetHelp')}
      fullWidth
      slotProps={{ htmlInput: { min: 1, 'data-testid': testId } }}
    />
  );
  return (
    <AdminDialog
      open
      title={policy ? t('admin.sla.editPolicy') : t('admin.sla.newPolicy')}
      testId="admin-sla"
      maxWidth="md"
      fields={POLICY_FIELDS}
      onClose={onClose}
      build={build}
    >
      {(err) => (
        <>
          <Stack direction="row" spacing={1}>
            <NativeSelectField
              label={t('admin.sla.department')}
              value={departmentId}
              onChange={setDepartmentId}
              testId="admin-sla-department"
              fullWidth
            >
              <DepartmentOptions departments={overview.departments} />
            </NativeSelectField>
            <NativeSelectField
              label={t('admin.sla.priority')}
              value={priority}
              onChange={(v) => setPriority(v as TicketPriority)}
              testId="admin-sla-priority"
              fullWidth
            >
              {TicketPriority.options.map((p) => (
                <option key={p} value={p}>
                  {t(`tickets.priority.${p}`)}
                </option>
              ))}
            </NativeSelectField>
            <NativeSelectField
              label={t('admin.sla.channel')}
              value={channel}
              onChange={(v) => setChannel(v as Channel)}
              testId="admin-sla-channel"
              fullWidth
            >
              {Channel.options.map((c) => (
                <option key={c} value={c}>
                  {t(`admin.channel.${c}`)}
                </option>
              ))}
            </NativeSelectField>
            <NativeSelectField
              label={t('admin.sla.calendar')}
              value={calendarId}
              onChange={setCalendarId}
              testId="admin-sla-calendar"
              fullWidth
            >
              {overview.config.calendars.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </NativeSelectField>
          </Stack>
          <Stack direction="row" spacing={1}>
            {minutesField(
              t('admin.sla.firstResponse'),
              first,
              setFirst,
              err('firstResponseMinutes'),
              'admin-sla-first',
            )}
            {minutesField(
              t('admin.sla.nextResponse'),
              next,
              setNext,
              err('nextResponseMinutes'),
              'admin-sla-next',
            )}
            {minutesField(
              t('admin.sla.resolution'),
              resolution,
              setResolution,
              err('resolutionMinutes'),
              'admin-sla-resolution',
            )}
          </Stack>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
            <NativeSelectField
              label={t('admin.sla.warningKind')}
              value={warnKind}
              onChange={(v) => setWarnKind(v as SlaWarning['kind'])}
              testId="admin-sla-warning-kind"
            >
              <option value="percent">{t('admin.sla.warnPercent')}</option>
              <option value="minutesBefore">{t('admin.sla.warnMinutes')}</option>
            </NativeSelectField>
            <TextField
              label={t('admin.sla.warning')}
              type="number"
              value={warnValue}
              onChange={(e) => setWarnValue(e.target.value)}
              sx={{ width: 120 }}
            />
            <FormControlLabel
              control={<Checkbox checked={active} onChange={(e) => setActive(e.target.checked)} />}
              label={t('admin.sla.active')}
            />
          </Stack>
          <Stack direction="row" sx={{ alignItems: 'center' }}>
            <Typography variant="subtitle2" sx={{ flex: 1 }}>
              {t('admin.sla.escalations')}
            </Typography>
            <Button
              onClick={() =>
                setRules([
                  ...rules,
                  {
                    on: 'breach',
                    target: null,
                    action: { kind: 'notify', who: 'supervisors', userId: null },
                  },
                ])
              }
              data-testid="admin-sla-add-rule"
            >
              {t('admin.sla.addRule')}
            </Button>
          </Stack>
          {rules.map((r, i) => (
            <RuleEditor
              key={i}
              rule={r}
              onChange={(next) => setRules(rules.map((x, j) => (j === i ? next : x)))}
              onRemove={() => setRules(rules.filter((_, j) => j !== i))}
            />
          ))}
        </>
      )}
    </AdminDialog>
  );
}

function RuleEditor({
  rule,
  onChange,
  onRemove,
}: {
  rule: EscalationRule;
  onChange: (r: EscalationRule) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const a = rule.action;
  const users = overview.users.filter((u) => !u.disabled);
  const setKind = (kind: EscalationRule['action']['kind']) =>
    onChange({
      ...rule,
      action:
        kind === 'notify'
          ? { kind, who: 'supervisors', userId: null }
          : kind === 'raisePriority'
            ? { kind }
            : kind === 'reassign'
              ? { kind, userId: users[0]?.id ?? '' }
              : { kind, departmentId: overview.departments[0]?.id ?? '' },
    });
  const userSelect = (value: string, set: (id: string) => void) => (
    <NativeSelectField
      label={t('admin.sla.user')}
      value={value}
      onChange={set}
      testId="admin-sla-rule-user"
      sx={{ minWidth: 160 }}
    >
      {users.map((u) => (
        <option key={u.id} value={u.id}>
          {u.displayName} ({u.username})
        </option>
      ))}
    </NativeSelectField>
  );
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }} data-testid="admin-sla-rule">
      <NativeSelectField
        label={t('admin.sla.on')}
        value={rule.on}
        onChange={(v) => onChange({ ...rule, on: v as EscalationRule['on'] })}
        testId="admin-sla-rule-on"
      >
        <option value="warning">{t('admin.sla.onWarning')}</option>
        <option value="breach">{t('admin.sla.onBreach')}</option>
      </NativeSelectField>
      <NativeSelectField
        label={t('admin.sla.target')}
        value={rule.target ?? ''}
        onChange={(v) => onChange({ ...rule, target: (v || null) as EscalationRule['target'] })}
        testId="admin-sla-rule-target"
      >
        <option value="">{t('admin.sla.anyTarget')}</option>
        <option value="firstResponse">{t('admin.sla.firstResponse')}</option>
        <option value="nextResponse">{t('admin.sla.nextResponse')}</option>
        <option value="resolution">{t('admin.sla.resolution')}</option>
      </NativeSelectField>
      <NativeSelectField
        label={t('admin.sla.action')}
        value={a.kind}
        onChange={(v) => setKind(v as EscalationRule['action']['kind'])}
        testId="admin-sla-rule-action"
      >
        <option value="notify">{t('admin.sla.notify')}</option>
        <option value="raisePriority">{t('admin.sla.raisePriority')}</option>
        <option value="reassign">{t('admin.sla.reassign')}</option>
        <option value="moveDepartment">{t('admin.sla.moveDepartment')}</option>
      </NativeSelectField>
      {a.kind === 'notify' && (
        <NativeSelectField
          label={t('admin.sla.notifyWho')}
          value={a.who}
          onChange={(v) =>
            onChange({
              ...rule,
              action: { ...a, who: v as typeof a.who, userId: v === 'user' ? (users[0]?.id ?? null) : null },
            })
          }
          testId="admin-sla-rule-who"
        >
          <option value="assignee">{t('admin.sla.whoAssignee')}</option>
          <option value="supervisors">{t('admin.sla.whoSupervisors')}</option>
          <option value="user">{t('admin.sla.whoUser')}</option>
        </NativeSelectField>
      )}
      {a.kind === 'notify' &&
        a.who === 'user' &&
        userSelect(a.userId ?? '', (id) => onChange({ ...rule, action: { ...a, userId: id } }))}
      {a.kind === 'reassign' &&
        userSelect(a.userId, (id) => onChange({ ...rule, action: { ...a, userId: id } }))}
      {a.kind === 'moveDepartment' && (
        <NativeSelectField
          label={t('admin.sla.department')}
          value={a.departmentId}
          onChange={(id) => onChange({ ...rule, action: { ...a, departmentId: id } })}
          testId="admin-sla-rule-department"
        >
          <DepartmentOptions departments={overview.departments} />
        </NativeSelectField>
      )}
      <Tooltip title={t('admin.sla.removeRule')}>
        <IconButton aria-label={t('admin.sla.removeRule')} onClick={onRemove}>
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Stack>
  );
}

const CALENDAR_FIELDS = ['id', 'name', 'timeZone', 'weekly', 'holidays', 'workdays'] as const;

function CalendarDialog({ calendar, onClose }: { calendar: BusinessCalendar | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [id, setId] = useState(calendar?.id ?? '');
  const [name, setName] = useState(calendar?.name ?? '');
  const [timeZone, setTimeZone] = useState(calendar?.timeZone ?? 'Asia/Shanghai');
  const [weekly, setWeekly] = useState<Record<Weekday, string>>(
    () =>
      Object.fromEntries(
        WEEKDAYS.map((d) => [
          d,
          calendar
            ? hoursText(calendar.weekly[d])
            : d === 'sat' || d === 'sun'
              ? ''
              : '09:00-12:00, 13:00-18:00',
        ]),
      ) as Record<Weekday, string>,
  );
  const [holidays, setHolidays] = useState(calendar ? holidaysText(calendar.holidays) : '');
  const [workdays, setWorkdays] = useState(calendar ? workdaysText(calendar.workdays) : '');
  const build = () => {
    const hours: Partial<Record<Weekday, ReturnType<typeof parseHours>>> = {};
    for (const d of WEEKDAYS) {
      const h = parseHours(weekly[d]);
      if (!h)
        return localRefusal(
          t('admin.sla.badLine', { line: t(`admin.sla.weekdays.${d}`), text: weekly[d] }),
          'weekly',
        );
      hours[d] = h;
    }
    const hs = parseHolidays(holidays);
    if (isLineError(hs)) return localRefusal(t('admin.sla.badLine', hs), 'holidays');
    const ws = parseWorkdays(workdays);
    if (isLineError(ws)) return localRefusal(t('admin.sla.badLine', ws), 'workdays');
    const input = {
      id: id.trim(),
      name: name.trim(),
      timeZone: timeZone.trim(),
      weekly: hours as BusinessCalendar['weekly'],
      holidays: hs,
      workdays: ws,
    };
    return calendar
      ? { op: 'calendar.update' as const, id: calendar.id, input }
      : { op: 'calendar.create' as const, input };
  };
  return (
    <AdminDialog
      open
      title={calendar ? t('admin.sla.editCalendar') : t('admin.sla.newCalendar')}
      testId="admin-calendar"
      maxWidth="md"
      fields={CALENDAR_FIELDS}
      onClose={onClose}
      build={build}
    >
      {(err) => (
        <>
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('admin.sla.calendarId')}
              value={id}
              disabled={calendar !== null}
              onChange={(e) => setId(e.target.value)}
              error={!!err('id')}
              helperText={err('id') ?? t('admin.sla.calendarIdHelp')}
              autoFocus={!calendar}
              required
            />
            <TextField
              label={t('admin.sla.calendarName')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={!!err('name')}
              helperText={err('name')}
              required
              sx={{ flex: 1 }}
            />
            <TextField
              label={t('admin.sla.timeZone')}
              value={timeZone}
              onChange={(e) => setTimeZone(e.target.value)}
              error={!!err('timeZone')}
              helperText={err('timeZone') ?? t('admin.sla.timeZoneHelp')}
              required
            />
          </Stack>
          <Typography variant="subtitle2">
            {t('admin.sla.hours')}{' '}
            <Typography
              component="span"
              variant="caption"
              sx={{ color: err('weekly') ? 'error.main' : 'text.secondary' }}
            >
              {err('weekly') ?? t('admin.sla.hoursHelp')}
            </Typography>
          </Typography>
          <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', rowGap: 1 }}>
            {WEEKDAYS.map((d) => (
              <TextField
                key={d}
                label={t(`admin.sla.weekdays.${d}`)}
                value={weekly[d]}
                onChange={(e) => setWeekly({ ...weekly, [d]: e.target.value })}
                sx={{ width: 200 }}
              />
            ))}
          </Stack>
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('admin.sla.holidays')}
              value={holidays}
              onChange={(e) => setHolidays(e.target.value)}
              error={!!err('holidays')}
              helperText={err('holidays') ?? t('admin.sla.holidaysHelp')}
              multiline
              minRows={6}
              maxRows={12}
              fullWidth
              slotProps={{ htmlInput: { style: { fontFamily: 'monospace', fontSize: 12 } } }}
            />
            <TextField
              label={t('admin.sla.workdays')}
              value={workdays}
              onChange={(e) => setWorkdays(e.target.value)}
              error={!!err('workdays')}
              helperText={err('workdays') ?? t('admin.sla.workdaysHelp')}
              multiline
              minRows={6}
              maxRows={12}
              fullWidth
              slotProps={{ htmlInput: { style: { fontFamily: 'monospace', fontSize: 12 } } }}
            />
          </Stack>
        </>
      )}
    </AdminDialog>
  );
}

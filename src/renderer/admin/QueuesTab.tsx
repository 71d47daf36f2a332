import {
  Button,
  Checkbox,
  FormControlLabel,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminUser, Queue } from '../../shared';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from './admin-context';
import { AdminDialog } from './AdminDialog';
import { AdminSection, AdminTable, EmptyRow } from './AdminTable';
import { DepartmentOptions } from '../common/DepartmentOptions';

export function QueuesTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { overview, department } = useAdmin();
  const [queue, setQueue] = useState<{ queue: Queue | null } | null>(null);
  const [skillsOf, setSkillsOf] = useState<AdminUser | null>(null);
  const agents = overview.users.filter((u) => u.role === 'agent');
  return (
    <>
      <AdminSection
        title={t('admin.queues.queues')}
        count={t('admin.count', { count: overview.queues.length })}
        addLabel={t('admin.queues.newQueue')}
        onAdd={() => setQueue({ queue: null })}
        addTestId="admin-queue-new"
      >
        <AdminTable
          testId="admin-queues"
          head={[
            t('admin.queues.number'),
            t('admin.queues.nameZh'),
            t('admin.queues.nameEn'),
            t('admin.queues.department'),
            t('admin.queues.skill'),
            t('admin.queues.ringTimeout'),
            t('queueWait.priority'),
            t('queueWait.maxWait'),
            t('queueWait.serviceLevel'),
            '',
          ]}
        >
          {overview.queues.map((q) => (
            <TableRow key={q.id} hover data-testid="admin-queue-row">
              <TableCell sx={{ fontFamily: 'monospace' }}>{q.number}</TableCell>
              <TableCell>{q.nameZh}</TableCell>
              <TableCell>{q.nameEn}</TableCell>
              <TableCell>{fmt.department(department(q.departmentId))}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{q.skill}</TableCell>
              <TableCell>{q.ringTimeoutSeconds}</TableCell>
              <TableCell>{q.priority}</TableCell>
              <TableCell>
                {q.maxWaitSeconds === null
                  ? t('queueWait.noLimit')
                  : t('queueWait.atMaxWait', {
                      seconds: q.maxWaitSeconds,
                      then:
                        q.overflowQueueId !== null
                          ? t('queueWait.thenOverflow', {
                              queue: overview.queues.find((o) => o.id === q.overflowQueueId)?.number ?? '?',
                            })
                          : q.callbackOnMaxWait
                            ? t('queueWait.thenCallback')
                            : t('queueWait.thenRelease'),
                    })}
              </TableCell>
              <TableCell>
                {t('queueWait.slValue', {
                  percent: Math.round(q.serviceLevelTarget * 100),
                  seconds: q.serviceLevelSeconds,
                })}
              </TableCell>
              <TableCell align="right">
                <Button onClick={() => setQueue({ queue: q })}>{t('admin.edit')}</Button>
              </TableCell>
            </TableRow>
          ))}
        </AdminTable>
      </AdminSection>
      <AdminSection title={t('admin.queues.agents')} count={t('admin.count', { count: agents.length })}>
        <AdminTable
          testId="admin-skills"
          head={[t('admin.queues.agent'), t('admin.queues.department'), t('admin.queues.skill'), '']}
        >
          {agents.length === 0 && <EmptyRow span={4} text={t('admin.queues.noAgents')} />}
          {agents.map((u) => (
            <TableRow key={u.id} hover data-testid="admin-skill-row" data-username={u.username}>
              <TableCell>
                {u.displayName}{' '}
                <Typography component="span" variant="caption" sx={{ color: 'text.secondary' }}>
                  {u.username}
                </Typography>
              </TableCell>
              <TableCell>{fmt.department(department(u.departmentId))}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{u.skills.join(', ') || t('admin.none')}</TableCell>
              <TableCell align="right">
                <Button onClick={() => setSkillsOf(u)} data-testid="admin-skill-edit">
                  {t('admin.queues.editSkills')}
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </AdminTable>
      </AdminSection>
      {queue && <QueueDialog queue={queue.queue} onClose={() => setQueue(null)} />}
      {skillsOf && <SkillsDialog user={skillsOf} onClose={() => setSkillsOf(null)} />}
    </>
  );
}

const QUEUE_FIELDS = [
  'number',
  'nameZh',
  'nameEn',
  'departmentId',
  'skill',
  'ringTimeoutSeconds',
  'priority',
  'maxWaitSeconds',
  'overflowQueueId',
  'callbackOnMaxWait',
  'serviceLevelSeconds',
  'serviceLevelTarget',
] as const;

/** A number field's text as the API takes it: empty is null (no limit), anything else a number (checked there). */
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));

function QueueDialog({ queue, onClose }: { queue: Queue | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [number, setNumber] = useState(queue?.number ?? '');
  const [nameZh, setNameZh] = useState(queue?.nameZh ?? '');
  const [nameEn, setNameEn] = useState(queue?.nameEn ?? '');
  const [departmentId, setDepartmentId] = useState(queue?.departmentId ?? overview.departments[0]?.id ?? '');
  const [skill, setSkill] = useState(queue?.skill ?? '');
  const [ring, setRing] = useState(String(queue?.ringTimeoutSeconds ?? 20));
  const [priority, setPriority] = useState(String(queue?.priority ?? 0));
  const [maxWait, setMaxWait] = useState(queue?.maxWaitSeconds == null ? '' : String(queue.maxWaitSeconds));
  const [overflow, setOverflow] = useState(queue?.overflowQueueId ?? '');
  const [callback, setCallback] = useState(queue?.callbackOnMaxWait ?? false);
  const [slSeconds, setSlSeconds] = useState(String(queue?.serviceLevelSeconds ?? 20));
  const [slPercent, setSlPercent] = useState(String(Math.round((queue?.serviceLevelTarget ?? 0.8) * 100)));
  const input = {
    number,
    nameZh,
    nameEn,
    departmentId,
    skill,
    ringTimeoutSeconds: Number(ring),
    priority: Number(priority),
    maxWaitSeconds: numberOrNull(maxWait),
    overflowQueueId: overflow === '' ? null : overflow,
    callbackOnMaxWait: callback,
    serviceLevelSeconds: Number(slSeconds),
    // The form speaks percent; the service keeps a share (0..1).
    serviceLevelTarget: Number(slPercent) / 100,
  };
  const others = overview.queues.filter((o) => o.id !== queue?.id);
  return (
    <AdminDialog
      open
      title={queue ? t('admin.queues.editQueue') : t('admin.queues.newQueue')}
      testId="admin-queue"
      fields={QUEUE_FIELDS}
      onClose={onClose}
      build={() => (queue ? { op: 'queue.update', id: queue.id, input } : { op: 'queue.create', input })}
    >
      {(err) => (
        <>
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('admin.queues.number')}
              value={number}
              onChange={(e) => setNumber(e.target.value)}
              error={!!err('number')}
              helperText={err('number') ?? t('admin.queues.numberHelp')}
              autoFocus
              required
            />
            <TextField
              label={t('admin.queues.ringTimeout')}
              type="number"
              value={ring}
              onChange={(e) => setRing(e.target.value)}
              error={!!err('ringTimeoutSeconds')}
              helperText={err('ringTimeoutSeconds')}
            />
          </Stack>
          <TextField
            label={t('admin.queues.nameZh')}
            value={nameZh}
            onChange={(e) => setNameZh(e.target.value)}
            error={!!err('nameZh')}
            helperText={err('nameZh')}
            required
          />
          <TextField
            label={t('admin.queues.nameEn')}
            value={nameEn}
            onChange={(e) => setNameEn(e.target.value)}
            error={!!err('nameEn')}
            helperText={err('nameEn')}
            required
          />
          <NativeSelectField
            label={t('admin.queues.department')}
            value={departmentId}
            onChange={setDepartmentId}
            testId="admin-queue-department"
          >
            <DepartmentOptions departments={overview.departments} />
          </NativeSelectField>
          <TextField
            label={t('admin.queues.skill')}
            value={skill}
            onChange={(e) => setSkill(e.target.value)}
            error={!!err('skill')}
            helperText={err('skill') ?? t('admin.queues.skillHelp')}
            required
          />
          <Typography variant="subtitle2" sx={{ pt: 1 }}>
            {t('queueWait.section')}
          </Typography>
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('queueWait.priority')}
              type="number"
              value={priority}
              onChange={(e) => setPriority(e.target.value)}
              error={!!err('priority')}
              helperText={err('priority') ?? t('queueWait.priorityHelp')}
              slotProps={{ htmlInput: { 'data-testid': 'admin-queue-priority' } }}
            />
            <TextField
              label={t('queueWait.maxWait')}
              type="number"
              value={maxWait}
              onChange={(e) => setMaxWait(e.target.value)}
              error={!!err('maxWaitSeconds')}
              helperText={err('maxWaitSeconds') ?? t('queueWait.maxWaitHelp')}
              slotProps={{ htmlInput: { 'data-testid': 'admin-queue-max-wait' } }}
            />
          </Stack>
          <NativeSelectField
            label={t('queueWait.overflow')}
            value={overflow}
            onChange={setOverflow}
            testId="admin-queue-overflow"
          >
            <option value="">{t('queueWait.noOverflow')}</option>
            {others.map((o) => (
              <option key={o.id} value={o.id}>
                {o.number} · {o.nameEn} / {o.nameZh}
              </option>
            ))}
          </NativeSelectField>
          {err('overflowQueueId') && (
            <Typography variant="caption" color="error">
              {err('overflowQueueId')}
            </Typography>
          )}
          <FormControlLabel
            control={
              <Checkbox
                checked={callback}
                onChange={(e) => setCallback(e.target.checked)}
                slotProps={{ input: { 'data-testid': 'admin-queue-callback' } as object }}
              />
            }
            label={t('queueWait.callbackOnMaxWait')}
          />
          {err('callbackOnMaxWait') && (
            <Typography variant="caption" color="error">
              {err('callbackOnMaxWait')}
            </Typography>
          )}
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('queueWait.slSeconds')}
              type="number"
              value={slSeconds}
              onChange={(e) => setSlSeconds(e.target.value)}
              error={!!err('serviceLevelSeconds')}
              helperText={err('serviceLevelSeconds')}
            />
            <TextField
              label={t('queueWait.slTarget')}
              type="number"
              value={slPercent}
              onChange={(e) => setSlPercent(e.target.value)}
              error={!!err('serviceLevelTarget')}
              helperText={err('serviceLevelTarget') ?? t('queueWait.slHelp')}
            />
          </Stack>
        </>
      )}
    </AdminDialog>
  );
}

function SkillsDialog({ user, onClose }: { user: AdminUser; onClose: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(user.skills.join(', '));
  return (
    <AdminDialog
      open
      title={t('admin.queues.skillsOf', { name: user.displayName })}
      testId="admin-skills"
      fields={['skills'] as const}
      onClose={onClose}
      build={() => ({
        op: 'user.skills',
        id: user.id,
        input: { skills: text.split(/[\s,，、]+/).filter(Boolean) },
      })}
    >
      {(err) => (
        <TextField
          label={t('admin.users.skills')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={!!err('skills')}
          helperText={err('skills') ?? t('admin.queues.skillsHelp')}
          autoFocus
          slotProps={{ htmlInput: { 'data-testid': 'admin-skills-input' } }}
        />
      )}
    </AdminDialog>
  );
}

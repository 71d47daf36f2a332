import {
  Alert,
  Box,
  Button,
  Chip,
  LinearProgress,
  List,
  ListItemButton,
  ListItemText,
  MenuItem,
  Paper,
  Stack,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import {
  rubricTotal,
  type QualityContactDetail,
  type QualityFinding,
  type QualityQueueItem,
  type QualityScores,
} from '../../shared/quality';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n/use-format';
import { SEVERITY_COLOR, Transcript } from './Transcript';

type State = 'pending' | 'reviewed' | 'all';

/** What a finding says, in the reader's language: the matched text, or the measured value. */
export function findingText(
  f: QualityFinding,
  t: (k: string, o?: Record<string, unknown>) => string,
): string {
  if (f.rule === 'long_hold' || f.rule === 'transfers')
    return t(`quality.ruleValue.${f.rule}`, { v: f.excerpt });
  if (f.rule === 'sla_breach') return t('quality.ruleValue.sla_breach');
  return f.excerpt;
}

const typing = (el: EventTarget | null) =>
  el instanceof HTMLElement && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' || el.isContentEditable);

/**
 * The review screen: the queue of sampled contacts (N / P move through it), the contact with the automatic
 * findings marked in its text and listed beside it, and the rubric (digit keys score the selected item, ↑ ↓
 * select), a comment, and "Return feedback to agent".
 */
export function ReviewScreen({ departmentId }: { departmentId?: string }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const zh = i18n.language === 'zh-CN';
  const [state, setState] = useState<State>('pending');
  const [queue, setQueue] = useState<QualityQueueItem[] | null>(null);
  const [index, setIndex] = useState(0);
  const [detail, setDetail] = useState<QualityContactDetail | null>(null);
  const [scores, setScores] = useState<QualityScores>({});
  const [comment, setComment] = useState('');
  const [item, setItem] = useState(0);
  const [finding, setFinding] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  // Kept as a key and values, so a language switch re-words it.
  const [info, setInfo] = useState<[string, Record<string, unknown>?] | null>(null);
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  const load = useCallback(() => {
    setError(null);
    getApi()
      .invoke('quality.queue', { departmentId, state })
      .then((q) => {
        setQueue(q);
        setIndex((i) => Math.min(i, Math.max(0, q.length - 1)));
      })
      .catch((e: unknown) => setError(errorBodyOf(e)));
  }, [departmentId, state]);
  useEffect(load, [load]);

  const current = queue?.[index];
  useEffect(() => {
    if (!current) {
      setDetail(null);
      return;
    }
    let live = true;
    getApi()
      .invoke('quality.contact', { kind: current.kind, id: current.contactId })
      .then((d) => {
        if (!live) return;
        setDetail(d);
        setScores(d.review?.scores ?? {});
        setComment(d.review?.comment ?? '');
        setItem(0);
        setFinding(null);
      })
      .catch((e: unknown) => live && setError(errorBodyOf(e)));
    return () => {
      live = false;
    };
  }, [current]);

  const move = useCallback(
    (by: number) => setIndex((i) => Math.min(Math.max(0, i + by), Math.max(0, (queue?.length ?? 1) - 1))),
    [queue],
  );

  const save = (returnToAgent: boolean) => {
    if (!detail) return;
    setBusy(true);
    setError(null);
    getApi()
      .invoke('quality.review', {
        kind: detail.item.kind,
        contactId: detail.item.contactId,
        scores,
        comment,
        returnToAgent,
      })
      .then((r) => {
        setDetail({ ...detail, review: r, item: { ...detail.item, reviewed: true, total: r.total } });
        setInfo(returnToAgent ? ['quality.sentBack', { name: detail.item.agentName }] : ['quality.saved']);
        setQueue((q) => q?.map((x) => (x === current ? { ...x, reviewed: true, total: r.total } : x)) ?? q);
      })
      .catch((e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setBusy(false));
  };

  const sample = () => {
    setBusy(true);
    getApi()
      .invoke('quality.sample', { departmentId })
      .then((r) => {
        setInfo(['quality.sampled', { count: r.contacts }]);
        load();
      })
      .catch((e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setBusy(false));
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (typing(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
    const rubric = detail?.rubric ?? [];
    if (e.key === 'n' || e.key === 'N') move(1);
    else if (e.key === 'p' || e.key === 'P') move(-1);
    else if (e.key === 'ArrowDown' && rubric.length) setItem((i) => Math.min(rubric.length - 1, i + 1));
    else if (e.key === 'ArrowUp' && rubric.length) setItem((i) => Math.max(0, i - 1));
    else if (/^[0-9]$/.test(e.key) && rubric[item]) {
      const v = Number(e.key);
      const it = rubric[item];
      if (v > it.max) return;
      setScores((s) => ({ ...s, [it.key]: v }));
      setItem((i) => Math.min(rubric.length - 1, i + 1));
    } else return;
    e.preventDefault();
  };

  const total = detail ? rubricTotal(detail.rubric, scores) : 0;
  return (
    <Box
      ref={root}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="quality-review"
      sx={{ display: 'flex', gap: 1, flex: 1, minHeight: 0, outline: 'none' }}
    >
      <Paper variant="outlined" sx={{ width: 280, display: 'flex', flexDirection: 'column', minHeight: 0 }}>
        <Stack spacing={1} sx={{ p: 1 }}>
          <ToggleButtonGroup
            size="small"
            exclusive
            value={state}
            onChange={(_, v: State | null) => v && setState(v)}
            fullWidth
          >
            {(['pending', 'reviewed', 'all'] as const).map((s) => (
              <ToggleButton key={s} value={s}>
                {t(`quality.state.${s}`)}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
          <Button
            size="small"
            variant="outlined"
            onClick={sample}
            disabled={busy}
            data-testid="quality-sample"
          >
            {t('quality.sample')}
          </Button>
        </Stack>
        {queue === null && <LinearProgress />}
        {queue?.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ p: 1 }}>
            {t('quality.queueEmpty')}
          </Typography>
        )}
        <List dense sx={{ overflow: 'auto', flex: 1 }} data-testid="quality-queue">
          {queue?.map((q, i) => (
            <ListItemButton
              key={`${q.kind}:${q.contactId}`}
              selected={i === index}
              onClick={() => setIndex(i)}
              data-testid="quality-queue-item"
              data-kind={q.kind}
              data-contact={q.contactId}
            >
              <ListItemText
                primary={
                  <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
                    <Chip size="small" label={t(`quality.kind.${q.kind}`)} />
                    <Typography variant="body2" noWrap sx={{ flex: 1 }}>
                      {q.title || q.agentName}
                    </Typography>
                  </Stack>
                }
                secondary={
                  <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }} component="span">
                    <span>
                      {q.agentName} · {fmt.relative(q.at)}
                    </span>
                    {q.findings > 0 && (
                      <Chip
                        component="span"
                        size="small"
                        variant="outlined"
                        color={q.worst ? SEVERITY_COLOR[q.worst] : 'default'}
                        label={t('quality.findingsCount', { count: q.findings })}
                      />
                    )}
                    {q.total !== null && <b>{q.total}</b>}
                  </Stack>
                }
              />
            </ListItemButton>
          ))}
        </List>
      </Paper>
      <Box sx={{ flex: 1, minWidth: 0, overflow: 'auto', display: 'flex', flexDirection: 'column', gap: 1 }}>
        {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
        {info && (
          <Alert severity="success" onClose={() => setInfo(null)} sx={{ py: 0 }}>
            {t(info[0], info[1])}
          </Alert>
        )}
        {!detail && queue && queue.length > 0 && (
          <Typography color="text.secondary">{t('quality.pick')}</Typography>
        )}
        {detail && (
          <>
            <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
              <Typography variant="h6" sx={{ flex: 1 }} noWrap>
                {[t(`quality.kind.${detail.item.kind}`), detail.item.title, detail.item.agentName]
                  .filter(Boolean)
                  .join(' · ')}
              </Typography>
              <Button size="small" onClick={() => move(-1)} disabled={index === 0}>
                {t('quality.previous')}
              </Button>
              <Button size="small" onClick={() => move(1)} disabled={index >= (queue?.length ?? 0) - 1}>
                {t('quality.next')}
              </Button>
            </Stack>
            <Transcript detail={detail} selectedFinding={finding} />
          </>
        )}
      </Box>
      {detail && (
        <Paper variant="outlined" sx={{ width: 320, p: 1, overflow: 'auto' }}>
          <Typography variant="subtitle2">{t('quality.findings')}</Typography>
          {detail.findings.length === 0 && (
            <Typography variant="body2" color="text.secondary">
              {t('quality.noFindings')}
            </Typography>
          )}
          <List dense disablePadding data-testid="quality-findings">
            {detail.findings.map((f) => (
              <ListItemButton
                key={f.id}
                selected={finding === f.id}
                data-testid="quality-finding"
                data-rule={f.rule}
                onClick={() => {
                  setFinding(f.id);
                  document.getElementById(`finding-${f.id}`)?.scrollIntoView({ block: 'center' });
                }}
              >
                <ListItemText
                  primary={
                    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
                      <Chip
                        size="small"
                        color={SEVERITY_COLOR[f.severity]}
                        label={t(`quality.severity.${f.severity}`)}
                      />
                      <span>{t(`quality.rule.${f.rule}`)}</span>
                    </Stack>
                  }
                  secondary={`“${findingText(f, t)}”`}
                />
              </ListItemButton>
            ))}
          </List>
          <Typography variant="subtitle2" sx={{ mt: 1 }}>
            {t('quality.rubric')}
          </Typography>
          <Typography variant="caption" color="text.secondary">
            {t('quality.rubricHint')}
          </Typography>
          <Stack spacing={0.5} sx={{ mt: 0.5 }} data-testid="quality-rubric">
            {detail.rubric.map((r, i) => (
              <Stack
                key={r.key}
                direction="row"
                spacing={1}
                onClick={() => setItem(i)}
                sx={{
                  alignItems: 'center',
                  px: 0.5,
                  borderRadius: 1,
                  bgcolor: i === item ? 'action.selected' : undefined,
                }}
                data-testid="quality-rubric-item"
                data-key={r.key}
              >
                <Typography variant="body2" sx={{ flex: 1 }}>
                  {zh ? r.labelZh : r.labelEn} <small>×{r.weight}</small>
                </Typography>
                <TextField
                  select
                  size="small"
                  value={scores[r.key] ?? ''}
                  onChange={(e) => setScores((s) => ({ ...s, [r.key]: Number(e.target.value) }))}
                  slotProps={{ htmlInput: { 'aria-label': zh ? r.labelZh : r.labelEn } }}
                  sx={{ width: 70 }}
                >
                  {Array.from({ length: r.max + 1 }, (_, v) => (
                    <MenuItem key={v} value={v}>
                      {v}
                    </MenuItem>
                  ))}
                </TextField>
                <Typography variant="caption" color="text.secondary">
                  / {r.max}
                </Typography>
              </Stack>
            ))}
          </Stack>
          <Typography variant="subtitle1" sx={{ mt: 1 }} data-testid="quality-total">
            {t('quality.total', { total })}
          </Typography>
          <TextField
            label={t('quality.comment')}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            multiline
            minRows={3}
            fullWidth
            size="small"
            sx={{ mt: 1 }}
            slotProps={{ htmlInput: { maxLength: 4000, 'data-testid': 'quality-comment' } }}
          />
          <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
            <Button size="small" onClick={() => save(false)} disabled={busy}>
              {t('quality.save')}
            </Button>
            <Button
              size="small"
              variant="contained"
              onClick={() => save(true)}
              disabled={busy}
              data-testid="quality-return"
            >
              {t('quality.returnToAgent')}
            </Button>
          </Stack>
          {detail.review?.returnedAt && (
            <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
              {t('quality.returned', { at: fmt.absolute(detail.review.returnedAt) })}
            </Typography>
          )}
          {detail.review?.acknowledgedAt && (
            <Typography variant="caption" color="text.secondary" component="div">
              {t('quality.acknowledged', { at: fmt.absolute(detail.review.acknowledgedAt) })}
            </Typography>
          )}
        </Paper>
      )}
    </Box>
  );
}

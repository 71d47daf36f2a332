import {
  Alert,
  Box,
  Button,
  IconButton,
  MenuItem,
  Paper,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import DeleteIcon from '@mui/icons-material/Delete';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import {
  QualitySeverity,
  type QualityConfig,
  type QualityRule,
  type Rubric,
  type SamplingSettings,
} from '../../shared/quality';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';

const lines = (s: string) =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
const THRESHOLD = new Set(['long_hold', 'transfers', 'negative_sentiment']);
const PHRASES = new Set(['greeting', 'closing', 'forbidden', 'promise', 'negative_sentiment']);
const PATTERNS = new Set(['greeting', 'closing', 'forbidden', 'promise']);
const DAY = 86_400_000;

/** One rule's row: on/off, severity, phrases, patterns, threshold, saved on its own (each save audited). */
function RuleRow({
  rule,
  onSave,
  busy,
}: {
  rule: QualityRule;
  onSave: (r: QualityRule) => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(rule);
  const [phrases, setPhrases] = useState(rule.phrases.join('\n'));
  const [patterns, setPatterns] = useState(rule.patterns.join('\n'));
  useEffect(() => {
    setDraft(rule);
    setPhrases(rule.phrases.join('\n'));
    setPatterns(rule.patterns.join('\n'));
  }, [rule]);
  return (
    <TableRow data-testid="quality-rule" data-kind={rule.kind}>
      <TableCell sx={{ verticalAlign: 'top' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          {t(`quality.rule.${rule.kind}`)}
        </Typography>
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>
        <Switch
          size="small"
          checked={draft.enabled}
          onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
          slotProps={{ input: { 'aria-label': t('quality.rules.enabled') } }}
        />
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>
        <TextField
          select
          size="small"
          value={draft.severity}
          onChange={(e) => setDraft({ ...draft, severity: e.target.value as QualitySeverity })}
          slotProps={{ htmlInput: { 'aria-label': t('quality.rules.severity') } }}
        >
          {QualitySeverity.options.map((s) => (
            <MenuItem key={s} value={s}>
              {t(`quality.severity.${s}`)}
            </MenuItem>
          ))}
        </TextField>
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top', minWidth: 220 }}>
        {PHRASES.has(rule.kind) && (
          <TextField
            multiline
            maxRows={6}
            size="small"
            fullWidth
            value={phrases}
            onChange={(e) => setPhrases(e.target.value)}
            slotProps={{ htmlInput: { 'aria-label': t('quality.rules.phrases') } }}
          />
        )}
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top', minWidth: 220 }}>
        {PATTERNS.has(rule.kind) && (
          <TextField
            multiline
            maxRows={6}
            size="small"
            fullWidth
            value={patterns}
            onChange={(e) => setPatterns(e.target.value)}
            slotProps={{
              htmlInput: { 'aria-label': t('quality.rules.patterns'), style: { fontFamily: 'monospace' } },
            }}
          />
        )}
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>
        {THRESHOLD.has(rule.kind) && (
          <TextField
            size="small"
            type="number"
            value={draft.threshold ?? ''}
            onChange={(e) =>
              setDraft({ ...draft, threshold: e.target.value === '' ? null : Number(e.target.value) })
            }
            helperText={t(`quality.rules.thresholdHelp.${rule.kind as 'long_hold'}`)}
            sx={{ width: 130 }}
            slotProps={{ htmlInput: { min: 0, 'aria-label': t('quality.rules.threshold') } }}
          />
        )}
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>
        <Button
          size="small"
          disabled={busy}
          onClick={() => onSave({ ...draft, phrases: lines(phrases), patterns: lines(patterns) })}
          data-testid="quality-rule-save"
        >
          {t('quality.rules.saveRule')}
        </Button>
      </TableCell>
    </TableRow>
  );
}

/** A department's automatic checks, rubric and sampling, as its supervisor (or an admin) sets them. */
export function RulesEditor({ departmentId }: { departmentId: string }) {
  const { t } = useTranslation();
  const [config, setConfig] = useState<QualityConfig | null>(null);
  const [rubric, setRubric] = useState<Rubric>([]);
  const [sampling, setSampling] = useState<SamplingSettings | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  // Kept as a key and values, so a language switch re-words it.
  const [info, setInfo] = useState<[string, Record<string, unknown>?] | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = (c: QualityConfig) => {
    setConfig(c);
    setRubric(c.rubric);
    setSampling(c.sampling);
  };
  useEffect(() => {
    setConfig(null);
    getApi()
      .invoke('quality.config', { departmentId })
      .then(apply)
      .catch((e: unknown) => setError(errorBodyOf(e)));
  }, [departmentId]);

  const run = <T,>(work: Promise<T>, done: (r: T) => [string, Record<string, unknown>?]) => {
    setBusy(true);
    setError(null);
    work
      .then((r) => setInfo(done(r)))
      .catch((e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setBusy(false));
  };
  const saveRule = (rule: QualityRule) =>
    run(getApi().invoke('quality.saveRule', { departmentId, rule }), (c) => {
      apply(c);
      return ['quality.rules.savedRule'];
    });
  const recheck = () => {
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    run(
      getApi().invoke('quality.recheck', { departmentId, from: day(today - 6 * DAY), to: day(today) }),
      (r) => ['quality.rules.rechecked', { count: r.contacts }],
    );
  };
  const saveSettings = () =>
    sampling &&
    run(getApi().invoke('quality.saveSettings', { departmentId, rubric, sampling }), (c) => {
      apply(c);
      return ['quality.rules.savedSettings'];
    });
  const setItem = (i: number, patch: Partial<Rubric[number]>) =>
    setRubric((r) => r.map((x, j) => (j === i ? { ...x, ...patch } : x)));

  return (
    <Box
      sx={{ flex: 1, overflow: 'auto', display: 'flex', flexDirection: 'column', gap: 1 }}
      data-testid="quality-rules"
    >
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
      {info && (
        <Alert severity="success" onClose={() => setInfo(null)} sx={{ py: 0 }}>
          {t(info[0], info[1])}
        </Alert>
      )}
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="subtitle1" sx={{ flex: 1 }}>
          {t('quality.rules.title')}
        </Typography>
        <Button size="small" variant="outlined" onClick={recheck} disabled={busy}>
          {t('quality.rules.recheck')}
        </Button>
      </Stack>
      <Typography variant="caption" color="text.secondary">
        {t('quality.rules.sentimentNote')}
      </Typography>
      {config && (
        <Paper variant="outlined">
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell />
                <TableCell>{t('quality.rules.enabled')}</TableCell>
                <TableCell>{t('quality.rules.severity')}</TableCell>
                <TableCell>{t('quality.rules.phrases')}</TableCell>
                <TableCell>{t('quality.rules.patterns')}</TableCell>
                <TableCell>{t('quality.rules.threshold')}</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {config.rules.map((r) => (
                <RuleRow key={r.kind} rule={r} onSave={saveRule} busy={busy} />
              ))}
            </TableBody>
          </Table>
        </Paper>
      )}
      {config && sampling && (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
          <Paper variant="outlined" sx={{ p: 1, flex: 2 }}>
            <Typography variant="subtitle1">{t('quality.rules.rubricTitle')}</Typography>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>{t('quality.rules.key')}</TableCell>
                  <TableCell>{t('quality.rules.labelEn')}</TableCell>
                  <TableCell>{t('quality.rules.labelZh')}</TableCell>
                  <TableCell>{t('quality.rules.weight')}</TableCell>
                  <TableCell>{t('quality.rules.max')}</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {rubric.map((r, i) => (
                  <TableRow key={i}>
                    <TableCell>
                      <TextField
                        size="small"
                        value={r.key}
                        onChange={(e) => setItem(i, { key: e.target.value })}
                      />
                    </TableCell>
                    <TableCell>
                      <TextField
                        size="small"
                        value={r.labelEn}
                        onChange={(e) => setItem(i, { labelEn: e.target.value })}
                      />
                    </TableCell>
                    <TableCell>
                      <TextField
                        size="small"
                        value={r.labelZh}
                        onChange={(e) => setItem(i, { labelZh: e.target.value })}
                      />
                    </TableCell>
                    <TableCell>
                      <TextField
                        size="small"
                        type="number"
                        value={r.weight}
                        sx={{ width: 80 }}
                        onChange={(e) => setItem(i, { weight: Number(e.target.value) })}
                      />
                    </TableCell>
                    <TableCell>
                      <TextField
                        size="small"
                        type="number"
                        value={r.max}
                        sx={{ width: 80 }}
                        slotProps={{ htmlInput: { min: 1, max: 9 } }}
                        onChange={(e) => setItem(i, { max: Number(e.target.value) })}
                      />
                    </TableCell>
                    <TableCell>
                      <Tooltip title={t('quality.rules.removeItem')}>
                        <IconButton
                          size="small"
                          aria-label={t('quality.rules.removeItem')}
                          onClick={() => setRubric((x) => x.filter((_, j) => j !== i))}
                        >
                          <DeleteIcon fontSize="small" />
                        </IconButton>
                      </Tooltip>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Button
              size="small"
              onClick={() =>
                setRubric((r) => [
                  ...r,
                  { key: `item${r.length + 1}`, labelEn: 'New item', labelZh: '新项目', weight: 1, max: 5 },
                ])
              }
            >
              {t('quality.rules.addItem')}
            </Button>
          </Paper>
          <Paper variant="outlined" sx={{ p: 1, flex: 1 }}>
            <Typography variant="subtitle1">{t('quality.rules.sampling')}</Typography>
            <Stack spacing={1} sx={{ mt: 1 }}>
              {(['perAgent', 'periodDays', 'findingsWeight'] as const).map((k) => (
                <TextField
                  key={k}
                  size="small"
                  type="number"
                  label={t(`quality.rules.${k}`)}
                  value={sampling[k]}
                  onChange={(e) => setSampling({ ...sampling, [k]: Number(e.target.value) })}
                />
              ))}
              <Button variant="contained" size="small" onClick={saveSettings} disabled={busy}>
                {t('quality.rules.saveSettings')}
              </Button>
            </Stack>
          </Paper>
        </Stack>
      )}
    </Box>
  );
}

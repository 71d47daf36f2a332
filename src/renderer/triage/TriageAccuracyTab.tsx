import {
  Alert,
  Box,
  Button,
  LinearProgress,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { TriageAccuracy, TriageModelInfo, TriageSettings } from '../../shared/triage/api';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';

const FIELDS = ['department', 'category', 'priority'] as const;
type Field = (typeof FIELDS)[number];
const FIGURES = ['departmentAccuracy', 'categoryMacroF1', 'priorityAccuracy', 'selfServiceAccuracy'] as const;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/**
 * The supervisors' triage screen (issue 15), a tab of Reports: how often each predicted field stood (was not
 * corrected) per day and per model version, the versions with their held-out figures, "Retrain now" for
 * supervisors and administrators, and the review threshold and schedule for administrators. Straight to the
 * service: offline it says so.
 */
export function TriageAccuracyTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useSessionInfo();
  const canRetrain = session.user.role === 'supervisor' || session.user.role === 'admin';
  const isAdmin = session.user.role === 'admin';
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(() => isoDay(new Date()));
  const [accuracy, setAccuracy] = useState<TriageAccuracy | null>(null);
  const [models, setModels] = useState<TriageModelInfo[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [loading, setLoading] = useState(false);
  const [retraining, setRetraining] = useState(false);
  const [retrained, setRetrained] = useState<TriageModelInfo | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const [a, m] = await Promise.all([
        getApi().invoke('triage.accuracy', { from, to }),
        getApi().invoke('triage.models', {}),
      ]);
      setAccuracy(a);
      setModels(m.models);
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setLoading(false);
    }
  }, [from, to]);
  useEffect(() => {
    void load();
    // Loaded once when the tab opens; later the Show button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const retrain = async () => {
    setRetraining(true);
    setRetrained(null);
    setError(null);
    try {
      setRetrained(await getApi().invoke('triage.retrain', {}));
      await load();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setRetraining(false);
    }
  };

  const byDay = useMemo(() => {
    if (!accuracy) return null;
    const days = [...new Set(accuracy.days.map((d) => d.day))].sort();
    const series = FIELDS.map((field) => ({
      field,
      data: days.map(
        (day) => accuracy.days.find((d) => d.day === day && d.field === field)?.accuracy ?? null,
      ),
    }));
    return { days, series };
  }, [accuracy]);
  const byVersion = useMemo(() => {
    if (!accuracy) return null;
    const versions = [...new Set(accuracy.versions.map((v) => v.modelVersion))].sort((a, b) => a - b);
    const series = FIELDS.map((field) => ({
      field,
      data: versions.map(
        (v) => accuracy.versions.find((x) => x.modelVersion === v && x.field === field)?.accuracy ?? null,
      ),
    }));
    return { versions, series };
  }, [accuracy]);
  const fieldName = (f: Field) => t(`triage.field.${f}`);
  const yPct = (v: number | null) => (v === null ? '' : `${Math.round(v * 100)}%`);

  return (
    <Stack spacing={1.5} sx={{ p: 2 }} data-testid="triage-accuracy">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
        <Typography variant="h6" sx={{ mr: 1 }}>
          {t('triage.accuracy.title')}
        </Typography>
        <TextField
          type="date"
          size="small"
          label={t('triage.accuracy.from')}
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'triage-accuracy-from' } }}
        />
        <TextField
          type="date"
          size="small"
          label={t('triage.accuracy.to')}
          value={to}
          onChange={(e) => setTo(e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'triage-accuracy-to' } }}
        />
        <Button size="small" variant="outlined" onClick={() => void load()} disabled={loading}>
          {t('triage.accuracy.load')}
        </Button>
        <Box sx={{ flex: 1 }} />
        {canRetrain && (
          <Button
            size="small"
            variant="contained"
            onClick={() => void retrain()}
            disabled={retraining}
            data-testid="triage-retrain"
          >
            {t('triage.accuracy.retrain')}
          </Button>
        )}
      </Stack>
      <Typography variant="body2" color="textSecondary">
        {t('triage.accuracy.hint')}
      </Typography>
      {(loading || retraining) && <LinearProgress data-testid="triage-progress" />}
      {retraining && (
        <Typography variant="body2" color="textSecondary">
          {t('triage.accuracy.retraining')}
        </Typography>
      )}
      {retrained && (
        <Alert severity="success" data-testid="triage-retrained" onClose={() => setRetrained(null)}>
          {t('triage.accuracy.retrained', {
            version: retrained.version,
            lines: retrained.trainedLines,
            corrections: retrained.correctionsUsed,
          })}{' '}
          {FIGURES.map((f) => `${t(`triage.accuracy.${f}`)} ${pct(retrained.metrics[f])}`).join(' · ')}
        </Alert>
      )}
      {error && <ErrorAlert error={error} testId="triage-accuracy-error" onClose={() => setError(null)} />}
      {accuracy && byDay && byVersion && (
        <Stack direction={{ xs: 'column', lg: 'row' }} spacing={1.5}>
          <Paper variant="outlined" sx={{ p: 1, flex: 3, minWidth: 0 }} data-testid="triage-accuracy-chart">
            <Typography variant="subtitle2">{t('triage.accuracy.byDay')}</Typography>
            {byDay.days.length === 0 ? (
              <Typography sx={{ p: 2 }} color="textSecondary" data-testid="triage-accuracy-empty">
                {t('triage.accuracy.empty')}
              </Typography>
            ) : (
              <LineChart
                height={260}
                xAxis={[{ scaleType: 'point', data: byDay.days, height: 28 }]}
                yAxis={[{ min: 0, max: 1, valueFormatter: yPct }]}
                series={byDay.series.map((s) => ({
                  data: s.data,
                  label: fieldName(s.field),
                  connectNulls: true,
                  showMark: true,
                  valueFormatter: pct,
                }))}
              />
            )}
          </Paper>
          <Paper variant="outlined" sx={{ p: 1, flex: 2, minWidth: 0, overflowX: 'auto' }}>
            <Typography variant="subtitle2">{t('triage.accuracy.byVersion')}</Typography>
            {byVersion.versions.length === 0 ? (
              <Typography sx={{ p: 2 }} color="textSecondary">
                {t('triage.accuracy.empty')}
              </Typography>
            ) : (
              <BarChart
                height={260}
                xAxis={[
                  {
                    scaleType: 'band',
                    data: byVersion.versions.map((v) => t('triage.accuracy.versionShort', { version: v })),
                    height: 28,
                  },
                ]}
                yAxis={[{ min: 0, max: 1, valueFormatter: yPct }]}
                series={byVersion.series.map((s) => ({
                  data: s.data,
                  label: fieldName(s.field),
                  valueFormatter: pct,
                }))}
              />
            )}
            {/* The figures behind the bars, for reading and for screen readers. */}
            <Table size="small" aria-label={t('triage.accuracy.byVersion')}>
              <TableHead>
                <TableRow>
                  <TableCell>{t('triage.accuracy.version')}</TableCell>
                  <TableCell>{t('triage.accuracy.field')}</TableCell>
                  <TableCell align="right">{t('triage.accuracy.predictions')}</TableCell>
                  <TableCell align="right">{t('triage.accuracy.corrections')}</TableCell>
                  <TableCell align="right">{t('triage.accuracy.accuracy')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {accuracy.versions.map((v) => (
                  <TableRow
                    key={`${v.modelVersion}-${v.field}`}
                    data-testid={`triage-version-${v.modelVersion}-${v.field}`}
                    data-corrections={v.corrections}
                  >
                    <TableCell>{t('triage.accuracy.versionShort', { version: v.modelVersion })}</TableCell>
                    <TableCell>{fieldName(v.field)}</TableCell>
                    <TableCell align="right">{v.predictions}</TableCell>
                    <TableCell align="right">{v.corrections}</TableCell>
                    <TableCell align="right">{pct(v.accuracy)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Paper>
        </Stack>
      )}
      {models && (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label={t('triage.accuracy.models')} data-testid="triage-models">
            <TableHead>
              <TableRow>
                <TableCell>{t('triage.accuracy.version')}</TableCell>
                <TableCell>{t('triage.accuracy.trained')}</TableCell>
                <TableCell align="right">{t('triage.accuracy.trainedLines')}</TableCell>
                <TableCell align="right">{t('triage.accuracy.correctionsUsed')}</TableCell>
                {FIGURES.map((f) => (
                  <TableCell key={f} align="right">
                    {t(`triage.accuracy.${f}`)}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {models.map((m, i) => (
                <TableRow key={m.version} data-testid={`triage-model-${m.version}`}>
                  <TableCell>
                    v{m.version}
                    {i === 0 && (
                      <Typography component="span" variant="caption" color="success.main" sx={{ ml: 1 }}>
                        {t('triage.accuracy.current')}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell title={fmt.absolute(m.createdAt)}>{fmt.relative(m.createdAt)}</TableCell>
                  <TableCell align="right">{m.trainedLines}</TableCell>
                  <TableCell align="right">{m.correctionsUsed}</TableCell>
                  {FIGURES.map((f) => (
                    <TableCell key={f} align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                      {pct(m.metrics[f])}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {isAdmin && <ThresholdSettings />}
    </Stack>
  );
}

/** Administrators: the review threshold and the retraining schedule, saved on the service (audited there). */
function ThresholdSettings() {
  const { t } = useTranslation();
  const [saved, setSaved] = useState<TriageSettings | null>(null);
  const [threshold, setThreshold] = useState('');
  const [hours, setHours] = useState('');
  const [error, setError] = useState<ErrorBody | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    getApi()
      .invoke('triage.settings', {})
      .then(
        (s) => {
          setSaved(s);
          setThreshold(String(s.threshold));
          setHours(String(s.retrainEveryHours));
        },
        (e: unknown) => setError(errorBodyOf(e)),
      );
  }, []);
  const value = Number(threshold);
  const valid = threshold.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 1;
  const hoursValue = Number(hours);
  const hoursValid = Number.isInteger(hoursValue) && hoursValue >= 0 && hoursValue <= 744;
  const save = async () => {
    setError(null);
    setDone(false);
    try {
      const s = await getApi().invoke('triage.saveSettings', {
        threshold: value,
        retrainEveryHours: hoursValue,
      });
      setSaved(s);
      setDone(true);
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  return (
    <Paper variant="outlined" sx={{ p: 1.5 }} data-testid="triage-settings">
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'flex-start', flexWrap: 'wrap', rowGap: 1 }}>
        <TextField
          size="small"
          label={t('triage.accuracy.threshold')}
          value={threshold}
          onChange={(e) => {
            setThreshold(e.target.value);
            setDone(false);
          }}
          error={threshold !== '' && !valid}
          helperText={
            threshold !== '' && !valid
              ? t('triage.accuracy.thresholdRange')
              : t('triage.accuracy.thresholdHelp')
          }
          sx={{ width: 320 }}
          slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'triage-threshold' } }}
          disabled={!saved}
        />
        <TextField
          size="small"
          label={t('triage.accuracy.schedule')}
          value={hours}
          onChange={(e) => {
            setHours(e.target.value);
            setDone(false);
          }}
          error={hours !== '' && !hoursValid}
          sx={{ width: 280 }}
          slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'triage-schedule' } }}
          disabled={!saved}
        />
        <Button
          variant="outlined"
          size="small"
          sx={{ mt: 0.5 }}
          disabled={!saved || !valid || !hoursValid}
          onClick={() => void save()}
          data-testid="triage-settings-save"
        >
          {done ? t('triage.accuracy.saved') : t('triage.accuracy.save')}
        </Button>
      </Stack>
      {error && (
        <Box sx={{ mt: 1 }}>
          <ErrorAlert error={error} onClose={() => setError(null)} />
        </Box>
      )}
    </Paper>
  );
}

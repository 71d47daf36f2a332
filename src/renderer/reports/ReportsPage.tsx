import DownloadIcon from '@mui/icons-material/FileDownloadOutlined';
import RefreshIcon from '@mui/icons-material/Refresh';
import {
  Alert,
  Box,
  Button,
  LinearProgress,
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
  Tab,
  Tabs,
  TextField,
  Typography,
} from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import {
  MAX_15M_DAYS,
  ReportDimension,
  ReportInterval,
  type ReportFigures,
  type ReportQuery,
  type ReportResult,
} from '../../shared/protocol/reports';
import { errorBodyOf, getApi } from '../api';
import { SessionContext } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n/use-format';
import { VocTab } from './VocTab';
import { TriageAccuracyTab } from '../triage/TriageAccuracyTab'; // triage (issue 15, desk)

/** The figures a chart can show; counts stack as bars, rates and averages are lines. */
const METRICS = [
  'volume',
  'answered',
  'abandoned',
  'slaPercent',
  'firstResponseAvgSeconds',
  'resolutionAvgSeconds',
  'handleAvgSeconds',
  'occupancyPercent',
  'transfers',
  'csatAverage',
] as const satisfies readonly (keyof ReportFigures)[];
type Metric = (typeof METRICS)[number];
const COUNTS: ReadonlySet<Metric> = new Set(['volume', 'answered', 'abandoned', 'transfers']);
const SECONDS: ReadonlySet<Metric> = new Set([
  'firstResponseAvgSeconds',
  'resolutionAvgSeconds',
  'handleAvgSeconds',
]);
/** The chart shows this many keys (the busiest); the table and the CSV have them all. */
const CHART_KEYS = 8;

type Column = {
  id: string;
  value: (f: ReportFigures) => number | null;
  format: 'count' | 'seconds' | 'percent' | 'csat';
};
const COLUMNS: Column[] = [
  { id: 'volume', value: (f) => f.volume, format: 'count' },
  { id: 'answered', value: (f) => f.answered, format: 'count' },
  { id: 'abandoned', value: (f) => f.abandoned, format: 'count' },
  { id: 'firstResponseAvgSeconds', value: (f) => f.firstResponseAvgSeconds, format: 'seconds' },
  { id: 'resolvedCount', value: (f) => f.resolvedCount, format: 'count' },
  { id: 'resolutionAvgSeconds', value: (f) => f.resolutionAvgSeconds, format: 'seconds' },
  { id: 'slaPercent', value: (f) => f.slaPercent, format: 'percent' },
  { id: 'handleAvgSeconds', value: (f) => f.handleAvgSeconds, format: 'seconds' },
  { id: 'occupancyPercent', value: (f) => f.occupancyPercent, format: 'percent' },
  { id: 'transfers', value: (f) => f.transfers, format: 'count' },
  { id: 'csatAverage', value: (f) => f.csatAverage, format: 'csat' },
];

const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const daysBefore = (n: number) => isoDay(new Date(Date.now() - n * 86_400_000));

/** Hands a file's text to the browser as a download (Electron asks where to save it). */
function download(fileName: string, mimeType: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Reports for supervisors (their department) and administrators (all, or one): volumes, answers, times, SLA,
 * occupancy, transfers and satisfaction per interval and per department, queue, agent, channel or category,
 * as a chart and a table, with CSV export (recorded in the audit log by the server).
 */
/**
 * The Reports page: the figures (volumes, times, SLA, occupancy, CSAT) and the voice of the customer, as two
 * tabs of one page so a supervisor moves between "how much" and "about what" without losing either's filters.
 */
export function ReportsPage({ onOpenTicket }: { onOpenTicket?: (ticketId: string) => void }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'figures' | 'voc' | 'triage'>('figures');
  return (
    <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
      <Tabs
        value={tab}
        onChange={(_e, v: 'figures' | 'voc' | 'triage') => setTab(v)}
        sx={{ px: 2, minHeight: 36, borderBottom: 1, borderColor: 'divider' }}
      >
        <Tab
          value="figures"
          label={t('reports.tabFigures')}
          sx={{ minHeight: 36 }}
          data-testid="reports-tab-figures"
        />
        <Tab value="voc" label={t('reports.tabVoc')} sx={{ minHeight: 36 }} data-testid="reports-tab-voc" />
        <Tab
          value="triage"
          label={t('triage.accuracy.tab')}
          sx={{ minHeight: 36 }}
          data-testid="reports-tab-triage"
        />
      </Tabs>
      {/* Both stay mounted so each keeps its filters and loaded figures while the other is shown. */}
      <Box sx={{ flex: 1, minHeight: 0, display: tab === 'figures' ? 'flex' : 'none' }}>
        <FiguresTab />
      </Box>
      <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto', display: tab === 'voc' ? 'block' : 'none' }}>
        <VocTab onOpenTicket={onOpenTicket} />
      </Box>
      {/* Triage (issue 15, desk): mounted when first shown (it asks the service for its figures). */}
      {tab === 'triage' && (
        <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
          <TriageAccuracyTab />
        </Box>
      )}
    </Box>
  );
}

function FiguresTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useContext(SessionContext);
  const directory = useDirectory();
  const isAdmin = session?.user.role === 'admin';
  const [query, setQuery] = useState<ReportQuery>({
    interval: 'day',
    dimension: isAdmin ? 'department' : 'agent',
    from: daysBefore(13),
    to: daysBefore(0),
  });
  const [metric, setMetric] = useState<Metric>('volume');
  const [result, setResult] = useState<ReportResult | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  const [sort, setSort] = useState<{ by: string; desc: boolean }>({ by: 'volume', desc: true });
  const lang = fmt.lang === 'zh-CN' ? 'zh' : 'en';

  // Too long a range for 15-minute rows is said here, before asking the server.
  const rangeDays = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000;
  const invalid =
    !query.from || !query.to
      ? t('reports.errors.range')
      : rangeDays < 0
        ? t('reports.errors.order')
        : query.interval === '15m' && rangeDays >= MAX_15M_DAYS
          ? t('reports.errors.quarterRange', { days: MAX_15M_DAYS })
          : null;

  // Only the latest request's answer is shown: answers to earlier choices may arrive after it.
  const latest = useRef(0);
  const load = useCallback(() => {
    if (invalid) return;
    const seq = ++latest.current;
    setLoading(true);
    setError(null);
    getApi()
      .invoke('reports.get', query)
      .then((r) => seq === latest.current && setResult(r))
      .catch((e: unknown) => seq === latest.current && setError(errorBodyOf(e)))
      .finally(() => seq === latest.current && setLoading(false));
  }, [query, invalid]);
  useEffect(load, [load]);

  const nameOf = useCallback(
    (key: string, dimension = result?.dimension) => {
      if (dimension === 'channel') return t(`reports.channels.${key}`, { defaultValue: key });
      if (key === '')
        return t(
          dimension === 'agent'
            ? 'reports.noAgent'
            : dimension === 'queue'
              ? 'reports.noQueue'
              : 'reports.noCategory',
        );
      return result?.labels[key]?.[lang] ?? key;
    },
    [result, lang, t],
  );

  const exportCsv = () => {
    setExporting(true);
    setExported(null);
    getApi()
      .invoke('reports.export', { query, language: lang })
      .then((file) => {
        download(file.fileName, file.mimeType, file.text);
        setExported(file.fileName);
      })
      .catch((e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setExporting(false));
  };

  const chart = useMemo(() => {
    if (!result) return null;
    const starts = [...new Set(result.rows.map((r) => r.start))].sort();
    const index = new Map(starts.map((s, i) => [s, i]));
    const keys = [...result.totals]
      .sort((a, b) => b.figures.volume - a.figures.volume)
      .slice(0, CHART_KEYS)
      .map((k) => k.key);
    const series = keys.map((key) => {
      const data: (number | null)[] = starts.map(() => (COUNTS.has(metric) ? 0 : null));
      for (const r of result.rows) if (r.key === key) data[index.get(r.start)!] = r.figures[metric];
      return { key, data };
    });
    const label = (iso: string) =>
      result.interval === '15m' || result.interval === 'hour'
        ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
        : iso.slice(5, 10);
    return { labels: starts.map(label), series };
  }, [result, metric]);

  const cell = (v: number | null, format: Column['format']) => {
    if (v === null) return '–';
    if (format === 'percent') return `${v.toFixed(1)}%`;
    if (format === 'csat') return v.toFixed(2);
    if (format === 'seconds') return duration(v, t);
    return v.toLocaleString(fmt.lang);
  };

  const totals = useMemo(() => {
    if (!result) return [];
    const col = COLUMNS.find((c) => c.id === sort.by);
    const rows = [...result.totals];
    rows.sort((a, b) => {
      const va = col ? (col.value(a.figures) ?? -1) : 0;
      const vb = col ? (col.value(b.figures) ?? -1) : 0;
      const byValue = col ? va - vb : nameOf(a.key).localeCompare(nameOf(b.key));
      return sort.desc ? -byValue : byValue;
    });
    return rows;
  }, [result, sort, nameOf]);

  const quality = useMemo(
    () => (result?.quality ? new Map(result.quality.map((q) => [q.key, q])) : null),
    [result],
  );

  const set = <K extends keyof ReportQuery>(k: K, v: ReportQuery[K]) => setQuery((q) => ({ ...q, [k]: v }));
  const yFormat = (v: number | null) => (v === null ? '' : SECONDS.has(metric) ? duration(v, t) : String(v));

  return (
    <Box
      data-testid="reports-page"
      data-interval={result?.interval}
      data-dimension={result?.dimension}
      data-from={result?.from}
      sx={{
        flex: 1,
        minWidth: 0,
        overflow: 'auto',
        p: 2,
        display: 'flex',
        flexDirection: 'column',
        gap: 1.5,
      }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="h6" component="h1" sx={{ flex: 1 }}>
          {t('reports.title')}
        </Typography>
        <Button size="small" startIcon={<RefreshIcon />} onClick={load} disabled={loading || !!invalid}>
          {t('reports.refresh')}
        </Button>
        <Button
          size="small"
          variant="outlined"
          startIcon={<DownloadIcon />}
          onClick={exportCsv}
          disabled={exporting || !result || !!invalid}
          data-testid="reports-export"
        >
          {t('reports.exportCsv')}
        </Button>
      </Stack>
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <TextField
          select
          size="small"
          label={t('reports.interval')}
          value={query.interval}
          onChange={(e) => set('interval', ReportInterval.parse(e.target.value))}
          sx={{ minWidth: 130 }}
          slotProps={{ htmlInput: { 'data-testid': 'reports-interval' } }}
        >
          {ReportInterval.options.map((i) => (
            <MenuItem key={i} value={i}>
              {t(`reports.intervals.${i}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label={t('reports.dimension')}
          value={query.dimension}
          onChange={(e) => set('dimension', ReportDimension.parse(e.target.value))}
          sx={{ minWidth: 140 }}
          slotProps={{ htmlInput: { 'data-testid': 'reports-dimension' } }}
        >
          {ReportDimension.options.map((d) => (
            <MenuItem key={d} value={d}>
              {t(`reports.dimensions.${d}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          size="small"
          type="date"
          label={t('reports.from')}
          value={query.from}
          onChange={(e) => set('from', e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'reports-from' } }}
        />
        <TextField
          size="small"
          type="date"
          label={t('reports.to')}
          value={query.to}
          onChange={(e) => set('to', e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'reports-to' } }}
        />
        {isAdmin ? (
          <TextField
            select
            size="small"
            label={t('reports.department')}
            value={query.departmentId ?? ''}
            onChange={(e) => set('departmentId', e.target.value || undefined)}
            sx={{ minWidth: 160 }}
          >
            <MenuItem value="">{t('reports.allDepartments')}</MenuItem>
            {directory.departments.map((d) => (
              <MenuItem key={d.id} value={d.id}>
                {fmt.department(d)}
              </MenuItem>
            ))}
          </TextField>
        ) : (
          <TextField
            size="small"
            label={t('reports.department')}
            value={fmt.department(directory.department(session?.user.departmentId ?? null))}
            slotProps={{ input: { readOnly: true } }}
            helperText={t('reports.ownDepartment')}
          />
        )}
        <TextField
          select
          size="small"
          label={t('reports.chartMetric')}
          value={metric}
          onChange={(e) => setMetric(e.target.value as Metric)}
          sx={{ minWidth: 190 }}
        >
          {METRICS.map((m) => (
            <MenuItem key={m} value={m}>
              {t(`reports.columns.${m}`)}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {invalid && <Alert severity="warning">{invalid}</Alert>}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} testId="reports-error" />}
      {exported && (
        <Alert severity="success" onClose={() => setExported(null)} data-testid="reports-exported">
          {t('reports.exported', { file: exported })}
        </Alert>
      )}
      {loading && <LinearProgress aria-label={t('reports.loading')} />}
      {result && (
        <Typography variant="caption" color="text.secondary" data-testid="reports-zone">
          {t('reports.zoneNote', { zone: result.timeZone, time: fmt.absolute(result.asOf) })}
        </Typography>
      )}
      {result && chart && (
        <Paper variant="outlined" sx={{ p: 1 }} data-testid="reports-chart">
          {chart.labels.length === 0 ? (
            <Typography sx={{ p: 2 }} color="text.secondary">
              {t('reports.empty')}
            </Typography>
          ) : COUNTS.has(metric) ? (
            <BarChart
              height={300}
              xAxis={[
                {
                  scaleType: 'band',
                  data: chart.labels,
                  height: 28,
                  tickLabelInterval: every(chart.labels.length),
                },
              ]}
              series={chart.series.map((s) => ({ data: s.data, label: nameOf(s.key), stack: 'all' }))}
            />
          ) : (
            <LineChart
              height={300}
              xAxis={[
                {
                  scaleType: 'point',
                  data: chart.labels,
                  height: 28,
                  tickLabelInterval: every(chart.labels.length),
                },
              ]}
              yAxis={[{ valueFormatter: yFormat }]}
              series={chart.series.map((s) => ({
                data: s.data,
                label: nameOf(s.key),
                connectNulls: true,
                valueFormatter: yFormat,
              }))}
            />
          )}
        </Paper>
      )}
      {result && (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" stickyHeader data-testid="reports-table" aria-label={t('reports.tableLabel')}>
            <TableHead>
              <TableRow>
                <TableCell>
                  <TableSortLabel
                    active={sort.by === 'name'}
                    direction={sort.by === 'name' && sort.desc ? 'desc' : 'asc'}
                    onClick={() => setSort((s) => ({ by: 'name', desc: s.by === 'name' ? !s.desc : false }))}
                  >
                    {t(`reports.dimensions.${result.dimension}`)}
                  </TableSortLabel>
                </TableCell>
                {/* Quality review (issue 15): reviews' average score and findings, agent and department reports. */}
                {quality && <TableCell align="right">{t('quality.report.score')}</TableCell>}
                {quality && <TableCell align="right">{t('quality.report.findings')}</TableCell>}
                {COLUMNS.map((c) => (
                  <TableCell key={c.id} align="right">
                    <TableSortLabel
                      active={sort.by === c.id}
                      direction={sort.by === c.id && sort.desc ? 'desc' : 'asc'}
                      onClick={() => setSort((s) => ({ by: c.id, desc: s.by === c.id ? !s.desc : true }))}
                    >
                      {t(`reports.columns.${c.id}`)}
                    </TableSortLabel>
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {totals.length === 0 && (
                <TableRow>
                  <TableCell colSpan={COLUMNS.length + 3}>{t('reports.empty')}</TableCell>
                </TableRow>
              )}
              {totals.map((row) => (
                <TableRow key={row.key} hover data-testid="reports-row" data-key={row.key}>
                  <TableCell component="th" scope="row">
                    {nameOf(row.key)}
                  </TableCell>
                  {quality && (
                    <TableCell align="right" data-column="qualityScore">
                      {quality.get(row.key)?.scoreAverage ?? '–'}
                      {!!quality.get(row.key)?.reviews && (
                        <Typography component="span" variant="caption" color="text.secondary">
                          {` (${quality.get(row.key)!.reviews})`}
                        </Typography>
                      )}
                    </TableCell>
                  )}
                  {quality && (
                    <TableCell align="right" data-column="qualityFindings">
                      {quality.get(row.key)?.findings ?? 0}
                    </TableCell>
                  )}
                  {COLUMNS.map((c) => (
                    <TableCell key={c.id} align="right" data-column={c.id}>
                      {cell(c.value(row.figures), c.format)}
                      {c.id === 'csatAverage' && row.figures.csatCount > 0 && (
                        <Typography component="span" variant="caption" color="text.secondary">
                          {` (${row.figures.csatCount})`}
                        </Typography>
                      )}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Box>
  );
}

/** At most about 16 interval labels under a chart, evenly spread. */
const every = (n: number) => (_: unknown, i: number) => i % Math.max(1, Math.ceil(n / 16)) === 0;

/** Seconds as the largest two units: "2 h 5 min", "3 min 20 s", "45 s". */
function duration(seconds: number, t: (k: string, o?: Record<string, unknown>) => string): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return t('reports.duration.hm', { h, m });
  if (m > 0) return t('reports.duration.ms', { m, s: r });
  return t('reports.duration.s', { s: r });
}

import TrendingUpIcon from '@mui/icons-material/TrendingUp';
import {
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
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { VocContact, VocRisingTopic, VocSummary, VocTerm } from '../../shared/protocol/voc';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n/use-format';

type Preset = '7' | '30' | '90' | 'custom';
const DAY = 86_400_000;
const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The last `days` UTC days up to and including today (the service counts contacts per UTC day). */
const lastDays = (days: number) => {
  const today = Date.parse(`${dayText(Date.now())}T00:00:00Z`);
  return { from: dayText(today - (days - 1) * DAY), to: dayText(today) };
};
const PAGE = 25;

/**
 * Voice of the customer (issue 14, item 7): what customers raise in a period, from the service's VOC index
 * (tickets' subjects, descriptions and customer-visible comments; calls' wrap-up notes): top words and
 * phrases, topics rising against the previous period of equal length (with their G² significance), sentiment
 * where it is measured (English), and a topic's tickets, which open on click. Supervisors see their department,
 * administrators pick one or all. One tab of the reports page.
 */
export function VocTab({ onOpenTicket }: { onOpenTicket?: (ticketId: string) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useSessionInfo();
  const directory = useDirectory();
  const isAdmin = session.user.role === 'admin';
  const [preset, setPreset] = useState<Preset>('7');
  const [custom, setCustom] = useState(lastDays(7));
  const [departmentId, setDepartmentId] = useState<string>('');
  const [summary, setSummary] = useState<VocSummary | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [topic, setTopic] = useState<string | null>(null);
  const [contacts, setContacts] = useState<VocContact[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [contactsLoading, setContactsLoading] = useState(false);

  const period = useMemo(() => (preset === 'custom' ? custom : lastDays(Number(preset))), [preset, custom]);
  const query = useMemo(
    () => ({ ...period, departmentId: isAdmin && departmentId ? departmentId : undefined }),
    [period, departmentId, isAdmin],
  );

  useEffect(() => {
    let live = true;
    setLoading(true);
    setTopic(null);
    getApi()
      .invoke('voc.summary', query)
      .then(
        (s) => {
          if (!live) return;
          setSummary(s);
          setError(null);
        },
        (e: unknown) => live && setError(errorBodyOf(e)),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [query]);

  const loadContacts = useCallback(
    (term: string, after: string | undefined) => {
      setContactsLoading(true);
      getApi()
        .invoke('voc.contacts', { ...query, term, after, limit: PAGE })
        .then(
          (page) => {
            setContacts((rows) => (after ? [...rows, ...page.contacts] : page.contacts));
            setNext(page.next);
            setError(null);
          },
          (e: unknown) => setError(errorBodyOf(e)),
        )
        .finally(() => setContactsLoading(false));
    },
    [query],
  );

  const choose = (term: string) => {
    setTopic(term);
    setContacts([]);
    setNext(null);
    loadContacts(term, undefined);
  };

  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const nf = (n: number) => n.toLocaleString(fmt.lang);
  const department = isAdmin ? null : session.department;

  return (
    <Stack spacing={1.5} sx={{ p: 1.5 }} data-testid="voc-tab">
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <TextField
          select
          size="small"
          label={t('voc.period')}
          value={preset}
          onChange={(e) => setPreset(e.target.value as Preset)}
          sx={{ minWidth: 160 }}
          slotProps={{ htmlInput: { 'data-testid': 'voc-period' } }}
        >
          <MenuItem value="7">{t('voc.last', { count: 7 })}</MenuItem>
          <MenuItem value="30">{t('voc.last', { count: 30 })}</MenuItem>
          <MenuItem value="90">{t('voc.last', { count: 90 })}</MenuItem>
          <MenuItem value="custom">{t('voc.custom')}</MenuItem>
        </TextField>
        {preset === 'custom' && (
          <>
            <TextField
              type="date"
              size="small"
              label={t('voc.from')}
              value={custom.from}
              onChange={(e) => e.target.value && setCustom((c) => ({ ...c, from: e.target.value }))}
              slotProps={{ inputLabel: { shrink: true } }}
            />
            <TextField
              type="date"
              size="small"
              label={t('voc.to')}
              value={custom.to}
              onChange={(e) => e.target.value && setCustom((c) => ({ ...c, to: e.target.value }))}
              slotProps={{ inputLabel: { shrink: true } }}
            />
          </>
        )}
        {isAdmin ? (
          <TextField
            select
            size="small"
            label={t('voc.department')}
            value={departmentId}
            onChange={(e) => setDepartmentId(e.target.value)}
            sx={{ minWidth: 180 }}
          >
            <MenuItem value="">{t('voc.allDepartments')}</MenuItem>
            {directory.departments.map((d) => (
              <MenuItem key={d.id} value={d.id}>
                {fmt.department(d)}
              </MenuItem>
            ))}
          </TextField>
        ) : (
          <Chip size="small" label={t('voc.departmentOnly', { name: fmt.department(department) })} />
        )}
        {summary && (
          <Typography variant="body2" color="text.secondary" data-testid="voc-contacts-count">
            {t('voc.contacts', {
              count: summary.contacts,
              n: nf(summary.contacts),
              previous: nf(summary.previousContacts),
              from: summary.previousFrom,
              to: summary.previousTo,
            })}
          </Typography>
        )}
      </Stack>
      {loading && <LinearProgress />}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
      {summary && (
        <>
          <Sentiment summary={summary} pct={pct} nf={nf} />
          <Box
            sx={{
              display: 'grid',
              gap: 1.5,
              gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 3fr) minmax(0, 2fr) minmax(0, 2fr)' },
            }}
          >
            <Paper variant="outlined" sx={{ overflow: 'auto' }}>
              <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1 }}>
                <TrendingUpIcon fontSize="inherit" sx={{ mr: 0.5, verticalAlign: 'middle' }} />
                {t('voc.rising')}
              </Typography>
              <Typography variant="caption" color="text.secondary" sx={{ px: 1.5, display: 'block' }}>
                {t('voc.risingHow', {
                  support: summary.test.minSupport,
                  alpha: summary.test.alpha,
                  tested: summary.test.tested,
                  g2: summary.test.g2Critical.toFixed(1),
                })}
              </Typography>
              <RisingTable rows={summary.rising} selected={topic} onChoose={choose} pct={pct} nf={nf} />
            </Paper>
            <TermTable
              title={t('voc.topTerms')}
              rows={summary.topTerms}
              selected={topic}
              onChoose={choose}
              pct={pct}
              nf={nf}
            />
            <TermTable
              title={t('voc.topPhrases')}
              rows={summary.topPhrases}
              selected={topic}
              onChoose={choose}
              pct={pct}
              nf={nf}
            />
          </Box>
        </>
      )}
      {topic && (
        <Paper variant="outlined" data-testid="voc-topic-contacts">
          <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1 }}>
            {t('voc.topicContacts', { term: topic, from: period.from, to: period.to })}
          </Typography>
          {contactsLoading && <LinearProgress />}
          <List dense disablePadding>
            {contacts.map((c) => (
              <ListItemButton
                key={`${c.kind}:${c.interactionId ?? c.ticketId}`}
                disabled={!c.ticketId || !onOpenTicket}
                onClick={() => c.ticketId && onOpenTicket?.(c.ticketId)}
              >
                <ListItemText
                  primary={
                    c.ticketNumber !== null
                      ? t('voc.ticketLine', { number: c.ticketNumber, title: c.title })
                      : t('voc.callLine', { caller: c.title })
                  }
                  secondary={`${c.day} · ${fmt.department(directory.departments.find((d) => d.id === c.departmentId))}${
                    c.kind === 'call' ? ` · ${t('voc.call')}` : ''
                  }`}
                />
              </ListItemButton>
            ))}
            {!contactsLoading && contacts.length === 0 && (
              <Typography variant="body2" color="text.secondary" sx={{ px: 1.5, py: 1 }}>
                {t('voc.noContacts')}
              </Typography>
            )}
          </List>
          {next && (
            <Button
              size="small"
              sx={{ m: 1 }}
              onClick={() => loadContacts(topic, next)}
              disabled={contactsLoading}
            >
              {t('voc.more')}
            </Button>
          )}
        </Paper>
      )}
    </Stack>
  );
}

/** Enter or Space on a focused row chooses it, as a click does. */
const activate = (go: () => void) => (e: KeyboardEvent) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    go();
  }
};

function Sentiment({
  summary,
  pct,
  nf,
}: {
  summary: VocSummary;
  pct: (x: number) => string;
  nf: (n: number) => string;
}) {
  const { t } = useTranslation();
  const s = summary.sentiment;
  return (
    <Stack
      direction="row"
      spacing={1}
      useFlexGap
      sx={{ alignItems: 'center', flexWrap: 'wrap' }}
      data-testid="voc-sentiment"
    >
      <Typography variant="body2">{t('voc.sentiment')}</Typography>
      {s.measured > 0 ? (
        <>
          <Chip
            size="small"
            color="success"
            variant="outlined"
            label={t('voc.positive', { share: pct(s.positive / s.measured) })}
          />
          <Chip
            size="small"
            variant="outlined"
            label={t('voc.neutral', { share: pct(s.neutral / s.measured) })}
          />
          <Chip
            size="small"
            color="error"
            variant="outlined"
            label={t('voc.negative', { share: pct(s.negative / s.measured) })}
          />
          <Typography variant="caption" color="text.secondary">
            {t('voc.measuredOf', { measured: nf(s.measured) })}
          </Typography>
        </>
      ) : (
        <Typography variant="caption" color="text.secondary">
          {t('voc.noneMeasured')}
        </Typography>
      )}
      {s.notMeasured > 0 && (
        <Tooltip title={t('voc.notMeasuredWhy')}>
          <Typography
            variant="caption"
            color="text.secondary"
            tabIndex={0}
            sx={{ textDecoration: 'underline dotted' }}
          >
            {t('voc.notMeasured', { n: nf(s.notMeasured) })}
          </Typography>
        </Tooltip>
      )}
    </Stack>
  );
}

function RisingTable({
  rows,
  selected,
  onChoose,
  pct,
  nf,
}: {
  rows: VocRisingTopic[];
  selected: string | null;
  onChoose: (term: string) => void;
  pct: (x: number) => string;
  nf: (n: number) => string;
}) {
  const { t } = useTranslation();
  if (rows.length === 0)
    return (
      <Typography variant="body2" color="text.secondary" sx={{ px: 1.5, py: 1 }} data-testid="voc-no-rising">
        {t('voc.noRising')}
      </Typography>
    );
  return (
    <Table size="small" data-testid="voc-rising">
      <TableHead>
        <TableRow>
          <TableCell>{t('voc.topic')}</TableCell>
          <TableCell align="right">{t('voc.now')}</TableCell>
          <TableCell align="right">{t('voc.before')}</TableCell>
          <TableCell align="right">{t('voc.growth')}</TableCell>
          <TableCell align="right">
            <Tooltip title={t('voc.g2Help')}>
              <span>G²</span>
            </Tooltip>
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((r) => (
          <TableRow
            key={r.term}
            hover
            tabIndex={0}
            selected={selected === r.term}
            sx={{ cursor: 'pointer' }}
            onClick={() => onChoose(r.term)}
            onKeyDown={activate(() => onChoose(r.term))}
            aria-label={t('voc.showTickets', { term: r.term })}
          >
            <TableCell>{r.term}</TableCell>
            <TableCell align="right">
              {nf(r.contacts)} ({pct(r.share)})
            </TableCell>
            <TableCell align="right">
              {nf(r.previousContacts)} ({pct(r.previousShare)})
            </TableCell>
            <TableCell align="right">
              {r.growth === null ? t('voc.new') : `×${r.growth.toFixed(1)}`}
            </TableCell>
            <TableCell align="right">
              <Tooltip title={`p = ${r.p.toExponential(1)}`}>
                <span>{r.g2.toFixed(1)}</span>
              </Tooltip>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function TermTable({
  title,
  rows,
  selected,
  onChoose,
  pct,
  nf,
}: {
  title: string;
  rows: VocTerm[];
  selected: string | null;
  onChoose: (term: string) => void;
  pct: (x: number) => string;
  nf: (n: number) => string;
}) {
  const { t } = useTranslation();
  return (
    <Paper variant="outlined" sx={{ overflow: 'auto' }}>
      <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1 }}>
        {title}
      </Typography>
      {rows.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ px: 1.5, py: 1 }}>
          {t('voc.nothing')}
        </Typography>
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('voc.topic')}</TableCell>
              <TableCell align="right">{t('voc.mentions')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((r) => (
              <TableRow
                key={r.term}
                hover
                tabIndex={0}
                selected={selected === r.term}
                sx={{ cursor: 'pointer' }}
                onClick={() => onChoose(r.term)}
                onKeyDown={activate(() => onChoose(r.term))}
                aria-label={t('voc.showTickets', { term: r.term })}
              >
                <TableCell>{r.term}</TableCell>
                <TableCell align="right">
                  {nf(r.contacts)} ({pct(r.share)})
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Paper>
  );
}

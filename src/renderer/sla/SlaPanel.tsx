import CheckIcon from '@mui/icons-material/Check';
import PauseIcon from '@mui/icons-material/Pause';
import { Box, Stack, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { TicketRow } from '../../shared';
import { useFormat, useNow } from '../i18n';
import { SLA_COLORS } from './SlaChip';
import { longDuration } from './sla-text';
import { SLA_TARGETS } from './sla-view';
import { useSlaEngine } from './use-sla-engine';

/**
 * The detail pane's SLA section: each target of the ticket's policy (first response, next response, resolution)
 * with its state, due time in the user's time zone and time left or overdue, ticking with the clock, offline too.
 */
export function SlaPanel({ ticket }: { ticket: TicketRow }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const engine = useSlaEngine();
  const now = useNow(15_000);
  const sla = engine && ticket.sla ? engine.statusOf(ticket, ticket.sla, now) : null;
  const at = (ms: number) => fmt.absolute(new Date(ms).toISOString());
  return (
    <section data-testid="sla-panel" aria-labelledby={`sla-title-${ticket.id}`}>
      <Typography variant="overline" color="textSecondary" id={`sla-title-${ticket.id}`}>
        {t('sla.title')}
      </Typography>
      {!engine ? (
        <Typography variant="body2" color="textSecondary">
          {t('sla.noConfig')}
        </Typography>
      ) : !sla ? (
        <Typography variant="body2" color="textSecondary" data-testid="sla-none">
          {t('sla.noPolicy')}
        </Typography>
      ) : (
        <Stack spacing={0.75}>
          {SLA_TARGETS.map((kind) => {
            const s = sla.status[kind];
            if (!s) return null;
            const c = SLA_COLORS[s.state];
            const when =
              s.state === 'met'
                ? t(s.metLate ? 'sla.metLateAt' : 'sla.metAt', { time: at(s.metAt ?? s.dueAt) })
                : s.state === 'paused'
                  ? t('sla.dueIfResumed', { time: at(s.dueAt) })
                  : t('sla.due', { time: at(s.dueAt) });
            const left =
              s.state === 'met'
                ? ''
                : s.remainingMs < 0
                  ? t('sla.overdue', { time: longDuration(t, s.remainingMs) })
                  : t('sla.left', { time: longDuration(t, s.remainingMs) });
            return (
              <Box
                key={kind}
                data-testid={`sla-target-${kind}`}
                data-sla-state={s.state}
                data-sla-due={s.dueAt}
                sx={{ display: 'flex', alignItems: 'baseline', gap: 1, flexWrap: 'wrap' }}
              >
                <Typography variant="body2" sx={{ fontWeight: 600, minWidth: 96 }}>
                  {t(`sla.targets.${kind}`)}
                </Typography>
                <Box
                  component="span"
                  sx={{
                    display: 'inline-flex',
                    alignItems: 'center',
                    gap: 0.25,
                    px: 0.75,
                    borderRadius: 10,
                    border: 1,
                    borderColor: c.border,
                    bgcolor: c.bg,
                    color: c.fg,
                    fontSize: 12,
                  }}
                >
                  {s.state === 'paused' && <PauseIcon sx={{ fontSize: 14 }} />}
                  {s.state === 'met' && <CheckIcon sx={{ fontSize: 14 }} />}
                  {t(`sla.states.${s.state}`)}
                </Box>
                <Typography variant="body2" color="textSecondary" data-testid={`sla-due-${kind}`}>
                  {when}
                </Typography>
                {left && (
                  <Typography
                    variant="body2"
                    sx={{ color: s.remainingMs < 0 ? 'error.main' : 'text.primary' }}
                    data-testid={`sla-left-${kind}`}
                  >
                    {left}
                  </Typography>
                )}
              </Box>
            );
          })}
          <Typography variant="caption" color="textSecondary">
            {t('sla.policy', { calendar: sla.calendar.name, zone: sla.calendar.timeZone })}
          </Typography>
        </Stack>
      )}
    </section>
  );
}

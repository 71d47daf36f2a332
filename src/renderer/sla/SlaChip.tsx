import CheckIcon from '@mui/icons-material/Check';
import PauseIcon from '@mui/icons-material/Pause';
import { Box, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { SlaState, TicketRow } from '../../shared';
import { useFormat } from '../i18n';
import { shortDuration } from './sla-text';
import { slaStatus, slaSummary } from './sla-view';
import { useSlaEngine } from './use-sla-engine';

/** Chip colours by state: running neutral, warning amber, breached red, paused grey, met green. */
export const SLA_COLORS: Record<SlaState, { fg: string; border: string; bg: string }> = {
  running: { fg: 'text.primary', border: 'divider', bg: 'transparent' },
  warning: { fg: 'warning.dark', border: 'warning.main', bg: 'transparent' },
  breached: { fg: 'error.contrastText', border: 'error.main', bg: 'error.main' },
  paused: { fg: 'text.secondary', border: 'divider', bg: 'action.hover' },
  met: { fg: 'success.dark', border: 'success.main', bg: 'transparent' },
};

/**
 * A ticket's SLA in the list: time left ("2h 15m"), overdue ("Overdue 35m"), paused or met, computed here with the
 * shared engine from the row's timeline and the configuration the desktop holds, so it runs offline. The due time
 * in the user's time zone is in the tooltip and in the accessible name (the row is reached by keyboard).
 */
export function SlaChip({ row, now }: { row: TicketRow; now: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const engine = useSlaEngine();
  const summary = slaSummary(slaStatus(engine, row, now));
  if (!summary) return null;
  const { state, target } = summary;
  const due = fmt.absolute(new Date(target.dueAt).toISOString());
  const targetName = t(`sla.targets.${target.kind}`);
  const text =
    state === 'met'
      ? t('sla.chipMet')
      : target.remainingMs < 0
        ? t('sla.chipOverdue', { time: shortDuration(t, target.remainingMs) })
        : t('sla.chipLeft', { time: shortDuration(t, target.remainingMs) });
  const tooltip =
    state === 'met'
      ? t('sla.tooltipMet')
      : state === 'paused'
        ? t('sla.tooltipPaused', { target: targetName, time: due })
        : t('sla.tooltip', { target: targetName, time: due });
  const c = SLA_COLORS[state];
  return (
    <Tooltip title={tooltip}>
      <Box
        component="span"
        data-testid="sla-chip"
        data-sla-state={state}
        data-sla-target={target.kind}
        data-sla-due={target.dueAt}
        aria-label={t('sla.chipLabel', { text, tooltip })}
        sx={{
          display: 'inline-flex',
          alignItems: 'center',
          gap: 0.25,
          flexShrink: 0,
          px: 0.75,
          height: 20,
          borderRadius: 10,
          border: 1,
          borderColor: c.border,
          bgcolor: c.bg,
          color: c.fg,
          fontSize: 12,
          fontWeight: state === 'breached' || state === 'warning' ? 600 : 400,
          fontVariantNumeric: 'tabular-nums',
          whiteSpace: 'nowrap',
        }}
      >
        {state === 'paused' && <PauseIcon sx={{ fontSize: 14 }} />}
        {state === 'met' && <CheckIcon sx={{ fontSize: 14 }} />}
        {text}
      </Box>
    </Tooltip>
  );
}

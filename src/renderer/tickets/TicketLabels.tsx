import { Box, Chip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { TicketPriority, TicketStatus } from '../../shared';

type ChipColor = 'info' | 'primary' | 'warning' | 'success' | 'default';
/** A status added to the shared enum without a colour here shows in the default one. */
const STATUS_COLOR: Partial<Record<TicketStatus, ChipColor>> = {
  new: 'info',
  open: 'primary',
  pending: 'warning',
  solved: 'success',
  closed: 'default',
};

export function StatusChip({ status }: { status: TicketStatus }) {
  const { t } = useTranslation();
  return (
    <Chip
      label={t(`tickets.status.${status}`)}
      color={STATUS_COLOR[status] ?? 'default'}
      variant={status === 'closed' ? 'outlined' : 'filled'}
      sx={{ height: 18, fontSize: 11, '& .MuiChip-label': { px: 0.75 } }}
    />
  );
}

const PRIORITY_COLOR = {
  low: 'text.disabled',
  normal: 'text.secondary',
  high: 'warning.main',
  urgent: 'error.main',
};

export function PriorityLabel({ priority }: { priority: TicketPriority }) {
  const { t } = useTranslation();
  return (
    <Box
      component="span"
      sx={{
        color: PRIORITY_COLOR[priority],
        fontWeight: priority === 'urgent' ? 700 : 500,
        whiteSpace: 'nowrap',
      }}
    >
      {priority === 'high' || priority === 'urgent' ? '▲ ' : ''}
      {t(`tickets.priority.${priority}`)}
    </Box>
  );
}

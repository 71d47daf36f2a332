import CloudUploadIcon from '@mui/icons-material/CloudUploadOutlined';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import SyncProblemIcon from '@mui/icons-material/SyncProblemOutlined';
import { Box, Skeleton, Tooltip } from '@mui/material';
import { memo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TicketRow } from '../../shared';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { matchRanges, snippet, type Range } from './highlight';
import { SlaChip } from '../sla/SlaChip';
import { CategoryChip } from '../triage/CategoryChip'; // triage (issue 15, desk)
import { PriorityLabel, StatusChip } from './TicketLabels';

export const ROW_HEIGHT = 52;
/** With a search: one more line, where the description shows around what matched. */
export const SEARCH_ROW_HEIGHT = 70;

/** `text` with the ranges marked. */
export function Marked({ text, ranges }: { text: string; ranges: readonly Range[] }): ReactNode {
  if (ranges.length === 0) return text;
  const out: ReactNode[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a > at) out.push(text.slice(at, a));
    out.push(
      <Box
        component="mark"
        key={a}
        data-testid="match"
        sx={{ bgcolor: 'warning.light', color: 'inherit', borderRadius: 0.5, px: 0.125 }}
      >
        {text.slice(a, b)}
      </Box>,
    );
    at = b;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

export function ticketNumberText(n: number | null, localLabel: string): string {
  return n === null ? localLabel : `#${n}`;
}

export const TicketListRow = memo(function TicketListRow({
  row,
  selected,
  open,
  now,
  query,
  onClick,
}: {
  row: TicketRow | undefined;
  selected: boolean;
  open: boolean;
  now: number;
  /** The search text: its words are marked, and a line of the description shows where it matched. */
  query: string;
  onClick: () => void;
}) {
  const height = query ? SEARCH_ROW_HEIGHT : ROW_HEIGHT;
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  if (!row) {
    return (
      <Box sx={{ px: 1.5, py: 0.75, height }} aria-busy>
        <Skeleton width="70%" />
        <Skeleton width="40%" />
      </Box>
    );
  }
  const assignee = row.assigneeId
    ? (directory.user(row.assigneeId)?.displayName ?? '…')
    : t('tickets.unassigned');
  const body = query ? snippet(row.description, query) : null;
  return (
    <Box
      data-testid="ticket-row"
      data-ticket-id={row.id}
      data-department-id={row.departmentId}
      data-status={row.status}
      data-priority={row.priority}
      data-sync-state={row.syncState}
      role="option"
      aria-selected={selected}
      onClick={onClick}
      sx={{
        height,
        px: 1.5,
        py: 0.5,
        cursor: 'pointer',
        borderBottom: 1,
        borderColor: 'divider',
        borderLeft: 3,
        borderLeftColor: open ? 'primary.main' : 'transparent',
        bgcolor: selected ? 'action.selected' : 'transparent',
        '&:hover': { bgcolor: selected ? 'action.selected' : 'action.hover' },
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'center',
        gap: 0.25,
        overflow: 'hidden',
      }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 0 }}>
        <Box
          component="span"
          data-testid="ticket-row-number"
          title={row.number === null ? t('create.provisionalHint') : undefined}
          sx={{
            color: row.number === null ? 'warning.main' : 'text.secondary',
            fontVariantNumeric: 'tabular-nums',
            flexShrink: 0,
          }}
        >
          {ticketNumberText(row.number, t('tickets.localNumber'))}
        </Box>
        <Box
          component="span"
          sx={{
            fontWeight: 600,
            flex: 1,
            minWidth: 0,
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
            // Deleted here, waiting for the server: struck through, still listed until the answer comes.
            ...(row.deletePending ? { textDecoration: 'line-through', color: 'text.disabled' } : {}),
          }}
          title={row.deletePending ? `${row.subject} — ${t('tickets.deletingMark')}` : row.subject}
          data-testid="ticket-row-subject"
          data-delete-pending={row.deletePending === true}
        >
          <Marked text={row.subject} ranges={query ? matchRanges(row.subject, query) : []} />
        </Box>
        {row.syncState === 'conflict' && (
          <Tooltip title={t('tickets.conflictMark')}>
            <SyncProblemIcon
              data-testid="ticket-row-conflict"
              sx={{ fontSize: 14, color: 'error.main' }}
              aria-label={t('tickets.conflictMark')}
            />
          </Tooltip>
        )}
        {row.syncState === 'pending' && !row.deletePending && (
          <Tooltip title={t('tickets.pendingMark')}>
            <CloudUploadIcon
              data-testid="ticket-row-pending"
              sx={{ fontSize: 14, color: 'warning.main' }}
              aria-label={t('tickets.pendingMark')}
            />
          </Tooltip>
        )}
        {row.deletePending && (
          <Tooltip title={t('tickets.deletingMark')}>
            <DeleteIcon
              data-testid="ticket-row-deleting"
              sx={{ fontSize: 14, color: 'warning.main' }}
              aria-label={t('tickets.deletingMark')}
            />
          </Tooltip>
        )}
        {/* The list is in order of creation (or urgency, then creation): the age is what it is sorted by. */}
        <Box
          component="span"
          sx={{ color: 'text.secondary', fontSize: 12, flexShrink: 0 }}
          title={`${t('tickets.created', { time: fmt.absolute(row.createdAt) })} · ${t('detail.updated', { time: fmt.absolute(row.updatedAt) })}`}
        >
          {fmt.relative(row.createdAt, now)}
        </Box>
      </Box>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 0, fontSize: 12 }}>
        <StatusChip status={row.status} />
        <PriorityLabel priority={row.priority} />
        <SlaChip row={row} now={now} />
        <CategoryChip row={row} />
        <Box
          component="span"
          sx={{ flex: 1, minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
        >
          {row.customerName}
        </Box>
        <Box
          component="span"
          sx={{
            color: row.assigneeId ? 'text.secondary' : 'text.disabled',
            flexShrink: 0,
            maxWidth: 110,
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          }}
          title={assignee}
        >
          {assignee}
        </Box>
      </Box>
      {query && (
        <Box
          data-testid="ticket-row-snippet"
          sx={{
            fontSize: 12,
            color: 'text.secondary',
            minWidth: 0,
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          }}
        >
          {body ? <Marked text={body.text} ranges={body.ranges} /> : '\u00a0'}
        </Box>
      )}
    </Box>
  );
});

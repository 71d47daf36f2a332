import { Box, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { TicketRow } from '../../shared';
import { bothNames, useTaxonomyName } from './taxonomy';

/**
 * A ticket's category in the list (issue 15): its name in the agent's language (both on hover), and a mark when
 * its triage waits for a person. Nothing for a ticket without either.
 */
export function CategoryChip({ row }: { row: Pick<TicketRow, 'category' | 'triage'> }) {
  const { t, i18n } = useTranslation();
  const name = useTaxonomyName();
  const review = row.triage?.needsReview === true;
  if (!row.category && !review) return null;
  return (
    <Tooltip
      title={[
        row.category ? bothNames(row.category, i18n.language) : '',
        review ? t('triage.needsReview') : '',
      ]
        .filter(Boolean)
        .join(' · ')}
    >
      <Box
        component="span"
        data-testid="ticket-row-category"
        data-category={row.category ?? ''}
        data-needs-triage={review}
        sx={{
          flexShrink: 1,
          minWidth: 0,
          maxWidth: 130,
          px: 0.75,
          borderRadius: 1,
          border: 1,
          borderColor: review ? 'warning.main' : 'divider',
          color: review ? 'warning.main' : 'text.secondary',
          overflow: 'hidden',
          textOverflow: 'ellipsis',
          whiteSpace: 'nowrap',
          lineHeight: '18px',
        }}
      >
        {row.category ? name(row.category) : t('triage.needsReview')}
      </Box>
    </Tooltip>
  );
}

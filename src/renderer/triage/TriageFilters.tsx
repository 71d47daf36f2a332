import CancelIcon from '@mui/icons-material/Cancel';
import { Chip, Tooltip } from '@mui/material';
import type { ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { TRIAGE_CATEGORIES, type TicketCategory } from '../../shared/triage/taxonomy';
import type { TicketFilters } from '../tickets/ticket-filters';
import { bothNames, useTaxonomyName } from './taxonomy';

/** The ticket list's filter menu (passed in by the filter bar, so the two files do not import each other). */
type FilterMenuProps = {
  id: string;
  label: string;
  options: { value: string; label: string }[];
  selected: readonly string[];
  onToggle: (value: string) => void;
};

/**
 * Triage's part of the ticket list's filters (issue 15): a Category menu (names in the agent's language, both
 * languages on hover) with a removable chip per chosen category, and the "Needs triage" chip when that view's
 * filter is on.
 */
export function TriageFilters({
  filters,
  onChange,
  Menu,
}: {
  filters: TicketFilters;
  onChange: (f: TicketFilters) => void;
  Menu: ComponentType<FilterMenuProps>;
}) {
  const { t, i18n } = useTranslation();
  const name = useTaxonomyName();
  const chosen = filters.categories ?? [];
  const toggle = (c: TicketCategory) => {
    const next = chosen.includes(c) ? chosen.filter((x) => x !== c) : [...chosen, c];
    onChange({ ...filters, categories: TRIAGE_CATEGORIES.filter((x) => next.includes(x)) });
  };
  return (
    <>
      <Menu
        id="category"
        label={t('triage.category')}
        options={TRIAGE_CATEGORIES.map((c) => ({ value: c, label: name(c) }))}
        selected={chosen}
        onToggle={(v) => toggle(v as TicketCategory)}
      />
      {filters.needsTriage && (
        <Chip
          size="small"
          color="warning"
          variant="outlined"
          label={t('triage.view')}
          onDelete={() => onChange({ ...filters, needsTriage: false })}
          deleteIcon={<CancelIcon aria-label={t('tickets.filters.remove', { value: t('triage.view') })} />}
          data-testid="filter-chip-needs-triage"
        />
      )}
      {chosen.map((c) => (
        <Tooltip key={c} title={bothNames(c, i18n.language)}>
          <Chip
            size="small"
            label={name(c)}
            onDelete={() => toggle(c)}
            deleteIcon={<CancelIcon aria-label={t('tickets.filters.remove', { value: name(c) })} />}
            data-testid={`filter-chip-category-${c}`}
          />
        </Tooltip>
      ))}
    </>
  );
}

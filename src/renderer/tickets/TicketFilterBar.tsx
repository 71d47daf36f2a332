import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import CheckIcon from '@mui/icons-material/Check';
import SearchIcon from '@mui/icons-material/Search';
import SortIcon from '@mui/icons-material/Sort';
import CancelIcon from '@mui/icons-material/Cancel';
import {
  Box,
  Button,
  Checkbox,
  Chip,
  Divider,
  InputAdornment,
  ListItemIcon,
  ListItemText,
  Menu,
  MenuItem,
  Stack,
  TextField,
  Tooltip,
} from '@mui/material';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { TicketPriority, TicketSort, TicketStatus } from '../../shared';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { TriageFilters } from '../triage/TriageFilters'; // triage (issue 15, desk)
import { effectiveSort, filterCount, toggle, type TicketFilters } from './ticket-filters';

const SEARCH_DEBOUNCE_MS = 150;

interface Option {
  value: string;
  label: string;
}

/**
 * One filter as a compact button that opens a menu of its values: a click (or Enter / Space) on a value adds or
 * removes it and the menu stays open for the next; Esc or a click outside closes it.
 */
function FilterMenu({
  id,
  label,
  options,
  selected,
  onToggle,
  groups,
}: {
  id: string;
  label: string;
  options: Option[];
  selected: readonly string[];
  onToggle: (value: string) => void;
  /** Values after which a divider goes (e.g. after "Me" and "Unassigned"). */
  groups?: ReadonlySet<string>;
}) {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const count = selected.length;
  return (
    <>
      <Tooltip title={t('tickets.filters.menuHint', { label })} enterDelay={600}>
        <Button
          size="small"
          variant={count ? 'contained' : 'outlined'}
          disableElevation
          color={count ? 'primary' : 'inherit'}
          endIcon={<ArrowDropDownIcon />}
          onClick={(e) => setAnchor(e.currentTarget)}
          aria-haspopup="menu"
          aria-expanded={anchor ? true : undefined}
          aria-controls={anchor ? menuId : undefined}
          data-testid={`filter-${id}`}
          data-count={count}
          sx={{ whiteSpace: 'nowrap', flexShrink: 0, px: 1, minWidth: 0, borderColor: 'divider' }}
        >
          {label}
          {count > 0 && (
            <Box component="span" sx={{ ml: 0.5, fontVariantNumeric: 'tabular-nums' }}>
              · {count}
            </Box>
          )}
        </Button>
      </Tooltip>
      <Menu
        id={menuId}
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        slotProps={{ list: { dense: true, 'aria-label': label } as object }}
      >
        {options.flatMap((o) => {
          const checked = selected.includes(o.value);
          const item = (
            <MenuItem
              key={o.value}
              role="menuitemcheckbox"
              aria-checked={checked}
              onClick={() => onToggle(o.value)}
              data-testid={`filter-option-${id}-${o.value}`}
              sx={{ py: 0 }}
            >
              <Checkbox size="small" checked={checked} tabIndex={-1} disableRipple sx={{ p: 0.5, mr: 1 }} />
              <ListItemText>{o.label}</ListItemText>
            </MenuItem>
          );
          return groups?.has(o.value) ? [item, <Divider key={`${o.value}-divider`} />] : [item];
        })}
      </Menu>
    </>
  );
}

/** The list's order: a menu of the sorts (relevance only with text), the current one ticked. */
export function SortMenu({
  filters,
  onChange,
}: {
  filters: TicketFilters;
  onChange: (f: TicketFilters) => void;
}) {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const current = effectiveSort(filters);
  const hasText = filters.text.trim() !== '';
  return (
    <>
      <Button
        size="small"
        color="inherit"
        startIcon={<SortIcon />}
        endIcon={<ArrowDropDownIcon />}
        onClick={(e) => setAnchor(e.currentTarget)}
        aria-haspopup="menu"
        aria-expanded={anchor ? true : undefined}
        aria-controls={anchor ? menuId : undefined}
        aria-label={`${t('tickets.sort.label')}: ${t(`tickets.sort.${current}`)}`}
        data-testid="ticket-sort"
        data-sort={current}
        sx={{ whiteSpace: 'nowrap', flexShrink: 0, px: 1, minWidth: 0 }}
      >
        {t(`tickets.sort.${current}`)}
      </Button>
      <Menu
        id={menuId}
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        slotProps={{ list: { dense: true, 'aria-label': t('tickets.sort.label') } as object }}
      >
        {TicketSort.options.map((s) => {
          const disabled = s === 'relevance' && !hasText;
          return (
            <MenuItem
              key={s}
              role="menuitemradio"
              aria-checked={current === s}
              disabled={disabled}
              onClick={() => {
                onChange({ ...filters, sort: s });
                setAnchor(null);
              }}
              data-testid={`ticket-sort-${s}`}
            >
              <ListItemIcon>{current === s && <CheckIcon fontSize="small" />}</ListItemIcon>
              <ListItemText secondary={disabled ? t('tickets.sort.relevanceNeedsText') : undefined}>
                {t(`tickets.sort.${s}`)}
              </ListItemText>
            </MenuItem>
          );
        })}
      </Menu>
    </>
  );
}

/**
 * Search, filters and order of the ticket list. Filters are menus of values (status from the shared enum, so a
 * new status shows up with its label); what is chosen shows as chips under them, each removable.
 */
export function TicketFilterBar({
  filters,
  onChange,
  searchRef,
  onSearchKeyDown,
  views,
}: {
  filters: TicketFilters;
  onChange: (f: TicketFilters) => void;
  searchRef: Ref<HTMLInputElement>;
  onSearchKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
  /** The saved views' row, shown between the search and the filters. */
  views: ReactNode;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const [text, setText] = useState(filters.text);
  // The text this box last sent: a different one in `filters` came from outside (a saved view).
  const sent = useRef(filters.text);
  useEffect(() => {
    if (filters.text === sent.current) return;
    sent.current = filters.text;
    setText(filters.text);
  }, [filters.text]);

  // Typing stays instant; the query follows once the agent pauses.
  useEffect(() => {
    if (text === filters.text) return;
    const id = setTimeout(() => {
      sent.current = text;
      onChange({ ...filters, text });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [text, filters, onChange]);

  const status: Option[] = TicketStatus.options.map((s) => ({ value: s, label: t(`tickets.status.${s}`) }));
  const priority: Option[] = TicketPriority.options.map((p) => ({
    value: p,
    label: t(`tickets.priority.${p}`),
  }));
  const departments: Option[] = directory.departments.map((d) => ({ value: d.id, label: fmt.department(d) }));
  const assignees: Option[] = [
    { value: 'me', label: t('tickets.filters.me') },
    { value: 'unassigned', label: t('tickets.filters.unassigned') },
    ...directory.users.map((u) => ({ value: u.id, label: u.displayName })),
  ];
  const labelOf = (options: Option[], v: string) => options.find((o) => o.value === v)?.label ?? '…';

  type Field = 'status' | 'priority' | 'departmentIds' | 'assignees';
  const chips: { field: Field; value: string; label: string }[] = [
    ...filters.status.map((v) => ({ field: 'status' as const, value: v, label: labelOf(status, v) })),
    ...filters.priority.map((v) => ({ field: 'priority' as const, value: v, label: labelOf(priority, v) })),
    ...filters.departmentIds.map((v) => ({
      field: 'departmentIds' as const,
      value: v,
      label: labelOf(departments, v),
    })),
    ...filters.assignees.map((v) => ({
      field: 'assignees' as const,
      value: v,
      label: labelOf(assignees, v),
    })),
  ];
  const set = (field: Field, value: string) => {
    const order = {
      status: TicketStatus.options as readonly string[],
      priority: TicketPriority.options as readonly string[],
      departmentIds: undefined,
      assignees: undefined,
    }[field];
    onChange({ ...filters, [field]: toggle(filters[field] as string[], value, order) });
  };

  return (
    <Stack spacing={0.75} sx={{ p: 1, borderBottom: 1, borderColor: 'divider' }}>
      <TextField
        inputRef={searchRef}
        size="small"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onSearchKeyDown}
        placeholder={t('tickets.search')}
        fullWidth
        slotProps={{
          htmlInput: { 'data-testid': 'ticket-search', 'aria-label': t('tickets.search'), type: 'search' },
          input: {
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon fontSize="small" />
              </InputAdornment>
            ),
          },
        }}
      />
      {views}
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.75, alignItems: 'center' }}>
        <FilterMenu
          id="status"
          label={t('tickets.filters.status')}
          options={status}
          selected={filters.status}
          onToggle={(v) => set('status', v)}
        />
        <FilterMenu
          id="priority"
          label={t('tickets.filters.priority')}
          options={priority}
          selected={filters.priority}
          onToggle={(v) => set('priority', v)}
        />
        {departments.length > 1 && (
          <FilterMenu
            id="department"
            label={t('tickets.filters.department')}
            options={departments}
            selected={filters.departmentIds}
            onToggle={(v) => set('departmentIds', v)}
          />
        )}
        <FilterMenu
          id="assignee"
          label={t('tickets.filters.assignee')}
          options={assignees}
          selected={filters.assignees}
          onToggle={(v) => set('assignees', v)}
          groups={new Set(['unassigned'])}
        />
        <TriageFilters filters={filters} onChange={onChange} Menu={FilterMenu} />
      </Box>
      {(chips.length > 0 || filters.slaDueWithinMinutes != null) && (
        <Box
          data-testid="filter-chips"
          sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, alignItems: 'center' }}
        >
          {filters.slaDueWithinMinutes != null && (
            <Chip
              size="small"
              color="warning"
              variant="outlined"
              label={t('sla.breachingFilter')}
              onDelete={() => onChange({ ...filters, slaDueWithinMinutes: null })}
              deleteIcon={<CancelIcon aria-label={t('sla.removeBreachingFilter')} />}
              data-testid="filter-chip-breaching"
            />
          )}
          {chips.map((c) => (
            <Chip
              key={`${c.field}:${c.value}`}
              size="small"
              label={c.label}
              onDelete={() => set(c.field, c.value)}
              deleteIcon={<CancelIcon aria-label={t('tickets.filters.remove', { value: c.label })} />}
              data-testid={`filter-chip-${c.value}`}
            />
          ))}
          <Tooltip title={t('tickets.filters.clearHint')}>
            <Button
              size="small"
              disabled={filterCount(filters) === 0}
              onClick={() =>
                onChange({
                  ...filters,
                  status: [],
                  priority: [],
                  departmentIds: [],
                  assignees: [],
                  slaDueWithinMinutes: null,
                  categories: [],
                  needsTriage: false,
                })
              }
              data-testid="filter-clear"
              sx={{ px: 0.5, minWidth: 0, whiteSpace: 'nowrap' }}
            >
              {t('tickets.filters.clear')}
            </Button>
          </Tooltip>
        </Box>
      )}
    </Stack>
  );
}

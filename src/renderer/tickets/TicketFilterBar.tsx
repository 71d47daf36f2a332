import SearchIcon from '@mui/icons-material/Search';
import { Box, Button, InputAdornment, Stack, TextField } from '@mui/material';
import { useEffect, useState, type KeyboardEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { TicketPriority, TicketStatus } from '../../shared';
import { NativeMultiSelectField, NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { NO_FILTERS, type TicketFilters } from './ticket-filters';

const SEARCH_DEBOUNCE_MS = 150;

export function TicketFilterBar({
  filters,
  onChange,
  searchRef,
  onSearchKeyDown,
}: {
  filters: TicketFilters;
  onChange: (f: TicketFilters) => void;
  searchRef: Ref<HTMLInputElement>;
  onSearchKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const [text, setText] = useState(filters.text);

  // Typing stays instant; the query follows once the agent pauses.
  useEffect(() => {
    if (text === filters.text) return;
    const id = setTimeout(() => onChange({ ...filters, text }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [text, filters, onChange]);

  const filtered =
    filters.status.length + filters.priority.length > 0 ||
    filters.departmentId !== '' ||
    filters.assignee !== '';

  return (
    <Stack spacing={1} sx={{ p: 1, borderBottom: 1, borderColor: 'divider' }}>
      <TextField
        inputRef={searchRef}
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
      <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
        <NativeMultiSelectField
          label={t('tickets.filters.status')}
          testId="filter-status"
          value={filters.status}
          size={TicketStatus.options.length}
          sx={{ flex: 1, minWidth: 0 }}
          onChange={(v) => onChange({ ...filters, status: v as TicketStatus[] })}
        >
          {TicketStatus.options.map((s) => (
            <option key={s} value={s}>
              {t(`tickets.status.${s}`)}
            </option>
          ))}
        </NativeMultiSelectField>
        <NativeMultiSelectField
          label={t('tickets.filters.priority')}
          testId="filter-priority"
          value={filters.priority}
          size={TicketPriority.options.length}
          sx={{ flex: 1, minWidth: 0 }}
          onChange={(v) => onChange({ ...filters, priority: v as TicketPriority[] })}
        >
          {TicketPriority.options.map((p) => (
            <option key={p} value={p}>
              {t(`tickets.priority.${p}`)}
            </option>
          ))}
        </NativeMultiSelectField>
        <Stack spacing={1} sx={{ flex: 1.3, minWidth: 0 }}>
          <NativeSelectField
            label={t('tickets.filters.department')}
            testId="filter-department"
            value={filters.departmentId}
            fullWidth
            onChange={(v) => onChange({ ...filters, departmentId: v })}
          >
            <option value="">{t('tickets.filters.anyDepartment')}</option>
            {directory.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {fmt.department(d)}
              </option>
            ))}
          </NativeSelectField>
          <NativeSelectField
            label={t('tickets.filters.assignee')}
            testId="filter-assignee"
            value={filters.assignee}
            fullWidth
            onChange={(v) => onChange({ ...filters, assignee: v })}
          >
            <option value="">{t('tickets.filters.anyone')}</option>
            <option value="me">{t('tickets.filters.me')}</option>
            <option value="unassigned">{t('tickets.filters.unassigned')}</option>
            {directory.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName}
              </option>
            ))}
          </NativeSelectField>
          <Box>
            <Button
              disabled={!filtered}
              onClick={() => onChange({ ...NO_FILTERS, text: filters.text })}
              sx={{ px: 0.5, minWidth: 0 }}
            >
              {t('tickets.filters.clear')}
            </Button>
          </Box>
        </Stack>
      </Stack>
    </Stack>
  );
}

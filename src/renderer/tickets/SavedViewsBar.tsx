import BookmarkAddIcon from '@mui/icons-material/BookmarkAddOutlined';
import CancelIcon from '@mui/icons-material/Cancel';
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Tooltip,
} from '@mui/material';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';
import { builtinViews, sameFilters, ViewStore, type SavedView } from './saved-views';
import { filterCount, toFilter, type TicketFilters } from './ticket-filters';

/** Counts follow data changes, at most this often (sync can report many changes a second while catching up). */
const COUNT_REFRESH_MS = 1000;

/** How many tickets each view holds, from the local index; null until known. */
function useViewCounts(views: SavedView[]): { counts: (number | null)[]; cap: number } {
  const key = JSON.stringify(views.map((v) => toFilter(v.filters)));
  const [state, setState] = useState<{ key: string; counts: number[]; cap: number } | null>(null);
  const [generation, setGeneration] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useDataChanged(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setGeneration((g) => g + 1);
    }, COUNT_REFRESH_MS);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useEffect(() => {
    let live = true;
    getApi()
      .invoke('tickets.counts', { filters: JSON.parse(key) as ReturnType<typeof toFilter>[] })
      .then(
        (r) => live && setState({ key, counts: r.counts, cap: r.cap }),
        () => {},
      );
    return () => {
      live = false;
    };
  }, [key, generation]);
  const counts = state?.key === key ? state.counts : views.map(() => null);
  return { counts, cap: state?.cap ?? Infinity };
}

/**
 * The saved views as chips with their counts: the built-in ones, then the agent's own (kept on this desktop for
 * this user; each can be deleted). A click shows the view; "Save view" keeps the filters on screen as a new one.
 */
export function SavedViewsBar({
  session,
  filters,
  onApply,
}: {
  session: SessionInfo;
  filters: TicketFilters;
  onApply: (f: TicketFilters) => void;
}) {
  const { t, i18n } = useTranslation();
  const store = useMemo(
    () => new ViewStore(localStorage, ViewStore.keyFor(session.serverUrl, session.user.id)),
    [session.serverUrl, session.user.id],
  );
  const [own, setOwn] = useState<SavedView[]>(() => store.list());
  useEffect(() => setOwn(store.list()), [store]);
  const views = useMemo(
    () => [...builtinViews({ departmentId: session.user.departmentId }), ...own],
    [session.user.departmentId, own],
  );
  const { counts, cap } = useViewCounts(views);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState(false);
  const number = (n: number) => n.toLocaleString(i18n.language);

  const save = () => {
    if (!name.trim()) {
      setNameError(true);
      return;
    }
    setOwn(store.save(name, filters));
    setNaming(false);
  };
  const canSave = filterCount(filters) > 0 || filters.text.trim() !== '' || filters.sort !== null;

  return (
    <Box
      data-testid="saved-views"
      role="toolbar"
      aria-label={t('tickets.views.label')}
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, alignItems: 'center' }}
    >
      {views.map((v, i) => {
        const label = v.builtin ? t(v.labelKey ?? `tickets.views.${v.builtin}`) : v.name;
        const n = counts[i] ?? null;
        const active = sameFilters(v.filters, filters);
        return (
          <Chip
            key={v.id}
            size="small"
            color={active ? 'primary' : 'default'}
            variant={active ? 'filled' : 'outlined'}
            aria-pressed={active}
            onClick={() => onApply(v.filters)}
            onDelete={v.builtin ? undefined : () => setOwn(store.remove(v.id))}
            deleteIcon={<CancelIcon aria-label={t('tickets.views.remove', { name: label })} />}
            data-testid={`view-${v.builtin ?? v.name}`}
            data-count={n ?? ''}
            label={
              <>
                {label}
                <Box
                  component="span"
                  sx={{ ml: 0.75, fontVariantNumeric: 'tabular-nums', opacity: 0.8, fontWeight: 600 }}
                >
                  {n === null ? '…' : n >= cap ? t('tickets.views.capped', { count: cap }) : number(n)}
                </Box>
              </>
            }
          />
        );
      })}
      <Tooltip title={t('tickets.views.saveTitle')}>
        <span>
          <Button
            size="small"
            startIcon={<BookmarkAddIcon fontSize="small" />}
            disabled={!canSave}
            onClick={() => {
              setName('');
              setNameError(false);
              setNaming(true);
            }}
            data-testid="view-save"
            sx={{ px: 0.75, minWidth: 0, whiteSpace: 'nowrap' }}
          >
            {t('tickets.views.save')}
          </Button>
        </span>
      </Tooltip>
      <Dialog open={naming} onClose={() => setNaming(false)} maxWidth="xs" fullWidth>
        <DialogTitle>{t('tickets.views.saveTitle')}</DialogTitle>
        <DialogContent>
          <TextField
            autoFocus
            fullWidth
            margin="dense"
            label={t('tickets.views.name')}
            value={name}
            error={nameError}
            helperText={nameError ? t('tickets.views.nameRequired') : t('tickets.views.nameHelp')}
            onChange={(e) => {
              setName(e.target.value);
              setNameError(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                save();
              }
            }}
            slotProps={{ htmlInput: { maxLength: 60, 'data-testid': 'view-name' } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setNaming(false)}>{t('tickets.views.cancel')}</Button>
          <Button variant="contained" onClick={save} data-testid="view-save-confirm">
            {t('tickets.views.confirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

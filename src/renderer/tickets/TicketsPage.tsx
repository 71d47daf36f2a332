import AddIcon from '@mui/icons-material/Add';
import { Box, Button, Tooltip, Typography } from '@mui/material';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared';
import { getApi } from '../api';
import { useCan } from '../auth/use-rights';
import { BulkActionsBar, BulkResult, type BulkOutcome } from './BulkActionsBar';
import { isEditable } from './is-editable';
import { ListSplit } from './ListSplit';
import { SavedViewsBar } from './SavedViewsBar';
import { NewTicketDialog } from './NewTicketDialog';
import { useNewShortcut } from '../common/use-new-shortcut';
import { TicketDetailPane } from './TicketDetailPane';
import { SortMenu, TicketFilterBar } from './TicketFilterBar';
import { NO_FILTERS, toQuery, type TicketFilters } from './ticket-filters';
import { TicketList } from './TicketList';
import { useTicketPages } from './use-ticket-pages';

/**
 * Split view: the filtered, searchable list on the left and the open ticket on the right, sharing the whole
 * width (the agent drags the divider; the split is kept).
 */
export function TicketsPage({
  session,
  active,
  openId,
  onOpen,
  onOpenCustomer,
  assigneeFilter,
}: {
  session: SessionInfo;
  active: boolean;
  openId: string | null;
  onOpen: (id: string) => void;
  onOpenCustomer: (id: string) => void;
  /** Supervisors (issue 14, desk): the monitor's "this agent's tickets" shows the list filtered to them. */
  assigneeFilter?: { userId: string; at: number } | null;
}) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<TicketFilters>(NO_FILTERS);
  useEffect(() => {
    if (assigneeFilter) setFilters({ ...NO_FILTERS, assignees: [assigneeFilter.userId] });
  }, [assigneeFilter]);
  const query = useMemo(() => toQuery(filters), [filters]);
  const cache = useTicketPages(query);
  // The selection follows its ticket when edits and sync reorder the list; the index is only a hint.
  const [selection, setSelection] = useState<{ index: number; id: string | null }>({ index: -1, id: null });
  const searchRef = useRef<HTMLInputElement>(null);
  const [creating, setCreating] = useState(false);
  // A new ticket starts from the ticket on screen: its customer (changeable in the dialog).
  const [startCustomerId, setStartCustomerId] = useState<string | undefined>(undefined);
  const startCreating = useCallback(() => {
    setStartCustomerId(undefined);
    setCreating(true);
    if (!openId) return;
    const row = cache.rowAt(cache.indexOf(openId));
    if (row) {
      setStartCustomerId(row.customerId);
      return;
    }
    getApi()
      .invoke('tickets.get', { id: openId })
      .then(
        (d) => setStartCustomerId(d.ticket.customerId),
        () => {},
      );
  }, [openId, cache]);
  // Bulk edits: tickets checked for one change at once, kept across scrolling and new searches.
  const canBulk = useCan()('bulkEdit');
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [bulkResult, setBulkResult] = useState<BulkOutcome | null>(null);
  const toggle = useCallback(
    (id: string) =>
      setChecked((c) => {
        const next = new Set(c);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  const total = cache.total ?? 0;
  const located = selection.id ? cache.indexOf(selection.id, selection.index) : -1;
  const selectedIndex = located >= 0 ? located : selection.index;

  useEffect(() => setSelection((s) => ({ index: -1, id: s.id })), [cache]);

  const selectIndex = useCallback(
    (index: number) => setSelection({ index, id: cache.rowAt(index)?.id ?? null }),
    [cache],
  );
  // Only keyboard moves scroll the list; a ticket that jumps because it was edited does not drag the view along.
  const [scrollRequest, setScrollRequest] = useState<{ index: number } | null>(null);
  const move = useCallback(
    (delta: number) => {
      if (total === 0) return;
      const index = Math.max(0, Math.min(total - 1, selectedIndex < 0 ? 0 : selectedIndex + delta));
      selectIndex(index);
      setScrollRequest({ index });
    },
    [total, selectedIndex, selectIndex],
  );
  const openSelected = useCallback(() => {
    const row = cache.rowAt(selectedIndex);
    if (row) onOpen(row.id);
  }, [cache, selectedIndex, onOpen]);

  useNewShortcut(active && !creating, startCreating);

  // Keys of the whole page: '/' to search, arrows or j/k to move, Enter to open; never while typing.
  useEffect(() => {
    if (!active || creating) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      // Keys inside an open menu (filters, sort) or on the divider are theirs.
      if (
        e.target instanceof Element &&
        e.target.closest('[role="menu"], [role="separator"], [role="dialog"]')
      )
        return;
      if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (e.key === 'ArrowDown' || e.key === 'j') {
        e.preventDefault();
        move(1);
      } else if (e.key === 'ArrowUp' || e.key === 'k') {
        e.preventDefault();
        move(-1);
      } else if (e.key === 'Enter') {
        if (e.target instanceof HTMLElement && e.target.closest('button, a, [role="button"]')) return;
        e.preventDefault();
        openSelected();
      } else if (e.key === 'x' && canBulk) {
        // As in Gmail and Zendesk: x checks the highlighted ticket for a bulk change.
        const row = cache.rowAt(selectedIndex);
        if (row) {
          e.preventDefault();
          toggle(row.id);
        }
      } else if (e.key === 'Escape' && checked.size > 0) {
        setChecked(new Set());
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active, creating, move, openSelected, canBulk, cache, selectedIndex, toggle, checked]);

  // From the search box the arrows and Enter drive the list, as in a mail client.
  const onSearchKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      move(e.key === 'ArrowDown' ? 1 : -1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      openSelected();
    } else if (e.key === 'Escape') {
      searchRef.current?.blur();
    }
  };

  const pick = useCallback(
    (index: number) => {
      selectIndex(index);
      const row = cache.rowAt(index);
      if (row) onOpen(row.id);
    },
    [cache, onOpen, selectIndex],
  );

  const list = (
    <Box
      sx={{
        height: '100%',
        display: 'flex',
        flexDirection: 'column',
        bgcolor: 'background.paper',
      }}
    >
      <TicketFilterBar
        filters={filters}
        onChange={setFilters}
        searchRef={searchRef}
        onSearchKeyDown={onSearchKeyDown}
        views={<SavedViewsBar session={session} filters={filters} onApply={setFilters} />}
      />
      <Box
        sx={{
          px: 1.5,
          py: 0.25,
          borderBottom: 1,
          borderColor: 'divider',
          color: 'text.secondary',
          fontSize: 12,
          display: 'flex',
          alignItems: 'center',
        }}
      >
        <Box component="span" sx={{ flex: 1 }}>
          <span data-testid="ticket-count" data-total={cache.total ?? ''} data-query={query.text}>
            {cache.total === null
              ? '…'
              : t('tickets.count', { count: cache.total, more: cache.more ? '+' : '' })}
          </span>
        </Box>
        <SortMenu filters={filters} onChange={setFilters} />
        <Tooltip title={t('create.newTicketHint')}>
          <Button
            size="small"
            startIcon={<AddIcon />}
            onClick={startCreating}
            data-testid="new-ticket-button"
            aria-keyshortcuts="Alt+N"
          >
            {t('create.newTicket')}
          </Button>
        </Tooltip>
      </Box>
      {canBulk && checked.size > 0 && (
        <BulkActionsBar ids={[...checked]} onClear={() => setChecked(new Set())} onResult={setBulkResult} />
      )}
      {bulkResult && <BulkResult result={bulkResult} onClose={() => setBulkResult(null)} />}
      <TicketList
        cache={cache}
        checked={checked}
        onToggle={canBulk ? toggle : undefined}
        selectedIndex={selectedIndex}
        scrollRequest={scrollRequest}
        openId={openId}
        query={query.text ?? ''}
        onPick={pick}
      />
    </Box>
  );

  const detail = openId ? (
    <TicketDetailPane key={openId} ticketId={openId} onOpenCustomer={onOpenCustomer} onOpenTicket={onOpen} />
  ) : (
    <Typography color="textSecondary" sx={{ p: 3 }}>
      {t('tickets.selectPrompt')}
    </Typography>
  );

  return (
    <Box sx={{ flex: 1, minHeight: 0, minWidth: 0, display: active ? 'flex' : 'none' }}>
      <ListSplit list={list} detail={detail} />
      <NewTicketDialog
        open={creating}
        startCustomerId={startCustomerId}
        onClose={() => setCreating(false)}
        onCreated={(ticket) => {
          setCreating(false);
          setSelection({ index: 0, id: ticket.id });
          onOpen(ticket.id);
        }}
      />
    </Box>
  );
}

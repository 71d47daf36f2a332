import { Box, Checkbox, LinearProgress, Typography } from '@mui/material';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../common/ErrorAlert';
import { useNow } from '../i18n';
import { isCatchingUp } from '../sync/catching-up';
import { useSyncStatus } from '../sync/use-sync-status';
import type { TicketPageCache } from './ticket-page-cache';
import { ROW_HEIGHT, SEARCH_ROW_HEIGHT, TicketListRow } from './TicketListRow';

/** Virtualised over the whole result: only rows in view exist in the DOM, pages load as they scroll in. */
export function TicketList({
  cache,
  selectedIndex,
  scrollRequest,
  openId,
  query,
  onPick,
  checked,
  onToggle,
}: {
  cache: TicketPageCache;
  /** The search text, for marking matches (rows are taller with it). */
  query: string;
  selectedIndex: number;
  scrollRequest: { index: number } | null;
  openId: string | null;
  onPick: (index: number) => void;
  /** With bulk edits (team leads, supervisors): the checked tickets, and how to check one. */
  checked?: ReadonlySet<string>;
  onToggle?: (id: string) => void;
}) {
  const { t } = useTranslation();
  const catchingUp = isCatchingUp(useSyncStatus());
  const scrollRef = useRef<HTMLDivElement>(null);
  const now = useNow();
  const total = cache.count;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (query ? SEARCH_ROW_HEIGHT : ROW_HEIGHT),
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    cache.ensure(first, last);
  }, [cache, first, last]);

  // Only a new request scrolls, not a change of total.
  const totalRef = useRef(total);
  totalRef.current = total;
  useEffect(() => {
    if (scrollRequest && scrollRequest.index < totalRef.current)
      virtualizer.scrollToIndex(scrollRequest.index, { align: 'auto' });
  }, [scrollRequest, virtualizer]);

  // A new query starts at the top, with rows of the height it needs.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    virtualizer.measure();
  }, [cache, virtualizer]);

  return (
    <Box sx={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
      {cache.total === null && !cache.error && <LinearProgress />}
      {cache.error && <ErrorAlert error={cache.error} />}
      <Box
        ref={scrollRef}
        data-testid="ticket-list"
        role="listbox"
        aria-label={t('shell.nav.tickets')}
        sx={{ flex: 1, minHeight: 0, overflowY: 'auto', contain: 'strict' }}
      >
        {cache.total === 0 && (
          <Typography color="textSecondary" sx={{ p: 2 }}>
            {t('tickets.empty')}
            {catchingUp && (
              <Box component="span" data-testid="search-while-syncing" sx={{ display: 'block', mt: 0.5 }}>
                {t('sync.searchWhileSyncing')}
              </Box>
            )}
          </Typography>
        )}
        <Box sx={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {items.map((item) => {
            const row = cache.rowAt(item.index);
            return (
              <Box
                key={row?.id ?? `i${item.index}`}
                data-index={item.index}
                sx={{ position: 'absolute', top: 0, left: 0, width: '100%', height: item.size }}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {onToggle ? (
                  <Box sx={{ display: 'flex', height: '100%' }}>
                    <Checkbox
                      size="small"
                      disabled={!row}
                      checked={!!row && !!checked?.has(row.id)}
                      onChange={() => row && onToggle(row.id)}
                      sx={{ alignSelf: 'flex-start', mt: 0.5, px: 0.5 }}
                      slotProps={{
                        input: {
                          'aria-label': t('bulk.check'),
                          // @ts-expect-error data attributes pass through to the input
                          'data-testid': 'ticket-check',
                        },
                      }}
                    />
                    <Box sx={{ flex: 1, minWidth: 0 }}>
                      <TicketListRow
                        row={row}
                        selected={item.index === selectedIndex}
                        open={!!row && row.id === openId}
                        now={now}
                        query={query}
                        onClick={() => onPick(item.index)}
                      />
                    </Box>
                  </Box>
                ) : (
                  <TicketListRow
                    row={row}
                    selected={item.index === selectedIndex}
                    open={!!row && row.id === openId}
                    now={now}
                    query={query}
                    onClick={() => onPick(item.index)}
                  />
                )}
              </Box>
            );
          })}
        </Box>
      </Box>
    </Box>
  );
}

import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { TicketQuery } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';
import { TicketPageCache } from './ticket-page-cache';

/** A page cache for the current query; a new query starts a new cache. */
export function useTicketPages(query: Omit<TicketQuery, 'offset' | 'limit'>): TicketPageCache {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const key = JSON.stringify(query);
  const cache = useMemo(
    () =>
      new TicketPageCache(
        (offset, limit) =>
          getApi().invoke('tickets.search', { ...(JSON.parse(key) as TicketQuery), offset, limit }),
        bump,
      ),
    [key],
  );
  useEffect(() => {
    cache.ensure(0, 0);
  }, [cache]);

  // Sync can report many changes a second while catching up; refetch at most every 300 ms.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useDataChanged(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      cache.invalidate();
    }, 300);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
  return cache;
}

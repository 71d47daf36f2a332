import { useCallback, useEffect, useState } from 'react';
import type { ErrorBody, TicketDetail, TicketRow } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';

/** One ticket with its customer, comments and history; reloaded whenever sync or an edit touches it. */
export function useTicketDetail(id: string) {
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('tickets.get', { id })
      .then(
        (d) => {
          if (!live) return;
          setDetail(d);
          setError(null);
        },
        (e: unknown) => {
          if (!live) return;
          const body = errorBodyOf(e);
          // Gone from this desktop (a refused new ticket, moved away): its old copy must not stay on show.
          if (body.code === 'not_found') setDetail(null);
          setError(body);
        },
      );
    return () => {
      live = false;
    };
  }, [id, generation]);

  useDataChanged((c) => {
    if (c.all || c.ticketIds.includes(id) || (detail?.customer && c.customerIds.includes(detail.customer.id)))
      reload();
  });

  /** Show an edit's result at once, before the refetch lands. */
  const applyRow = useCallback((row: TicketRow) => {
    setDetail((d) => (d && d.ticket.id === row.id ? { ...d, ticket: row } : d));
  }, []);

  return { detail, error, reload, applyRow };
}

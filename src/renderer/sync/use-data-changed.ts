import { useEffect, useRef } from 'react';
import type { EventPayload } from '../../shared';
import { getApi } from '../api';

export type DataChange = EventPayload<'data.changed'>;

/** Call back on every 'data.changed' event; the latest callback is used without resubscribing. */
export function useDataChanged(listener: (change: DataChange) => void): void {
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => getApi().on('data.changed', (c) => ref.current(c)), []);
}

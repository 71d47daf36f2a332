import { useCallback, useEffect, useState } from 'react';
import type { NotSentItem } from '../../shared';
import { getApi } from '../api';

/** The agent's not-sent changes: asked at start, asked again whenever the services say the list changed. */
export function useNotSent(): { items: NotSentItem[]; reload: () => void } {
  const [items, setItems] = useState<NotSentItem[]>([]);
  const reload = useCallback(() => {
    getApi()
      .invoke('notSent.list', {})
      .then(setItems)
      .catch(() => {});
  }, []);
  useEffect(() => {
    reload();
    return getApi().on('notSent.changed', reload);
  }, [reload]);
  return { items, reload };
}

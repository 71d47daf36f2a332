import { useCallback, useEffect, useState } from 'react';
import type { ErrorBody } from '../../shared';
import type { QualityMine } from '../../shared/quality';
import { errorBodyOf, getApi } from '../api';

/** How often an agent's desktop asks for newly returned reviews. */
export const MINE_POLL_MS = 60_000;

/** The agent's returned reviews, asked for now and every minute (the service keeps them; nothing is cached). */
export function useMyReviews(): {
  mine: QualityMine | null;
  error: ErrorBody | null;
  acknowledge: (reviewId: string) => void;
} {
  const [mine, setMine] = useState<QualityMine | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const load = useCallback(() => {
    getApi()
      .invoke('quality.mine', {})
      .then((m) => {
        setMine(m);
        setError(null);
      })
      .catch((e: unknown) => setError(errorBodyOf(e)));
  }, []);
  useEffect(() => {
    load();
    const timer = setInterval(load, MINE_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  const acknowledge = useCallback((reviewId: string) => {
    getApi()
      .invoke('quality.acknowledge', { reviewId })
      .then(setMine)
      .catch((e: unknown) => setError(errorBodyOf(e)));
  }, []);
  return { mine, error, acknowledge };
}

import { useCallback, useEffect, useState } from 'react';
import type { ErrorBody } from '../../shared';
import type { IntakeAction, IntakeActionResult, IntakeOverview } from '../../shared/intake';
import { errorBodyOf, getApi } from '../api';

/** The intake tabs' data (channels, API keys) from the server, and one way to change it. */
export function useIntake() {
  const [overview, setOverview] = useState<IntakeOverview | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const reload = useCallback(async () => {
    try {
      setOverview(await getApi().invoke('intake.overview', {}));
      setError(null);
    } catch (e) {
      setError(errorBodyOf(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  /** Makes the change, reloads; the result (a secret shown once) or the refusal. */
  const apply = useCallback(
    async (action: IntakeAction): Promise<{ ok: IntakeActionResult } | { refused: ErrorBody }> => {
      try {
        const ok = await getApi().invoke('intake.apply', action);
        await reload();
        return { ok };
      } catch (e) {
        return { refused: errorBodyOf(e) };
      }
    },
    [reload],
  );
  return { overview, error, reload, apply };
}

import type { Request } from 'express';
import type express from 'express';
import type { User } from '../../shared';
import type { Db } from '../db/schema';
import { qualityRouter } from './quality-api';
import { QualityService } from './quality-service';

export { QualityService } from './quality-service';
export { qualityTotals } from './quality-store';

export interface RunningQuality {
  service: QualityService;
  router: express.Router;
  close(): Promise<void>;
}

/**
 * Quality review (issue 15): the checker follows the change log (every `followEveryMs`, default 5 s; requests
 * catch up first), and the sample of the current period is topped up every `sampleEveryMs` (default hourly,
 * so each new day's contacts are drawn from within the hour; 0: only on demand).
 */
export function startQuality(deps: {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  bearerUser: (req: Request) => Promise<User>;
  followEveryMs?: number;
  sampleEveryMs?: number;
}): RunningQuality {
  const service = new QualityService(deps.db, deps.now);
  const follow = () =>
    void service.fresh().catch((e: unknown) => deps.log(`quality checks behind: ${String(e)}`));
  follow();
  const followMs = deps.followEveryMs ?? 5000;
  const followTimer = followMs > 0 ? setInterval(follow, followMs) : undefined;
  followTimer?.unref();
  const sampleMs = deps.sampleEveryMs ?? 3_600_000;
  let sampling: Promise<unknown> = Promise.resolve();
  const sampleTimer =
    sampleMs > 0
      ? setInterval(() => {
          sampling = service
            .sample(null)
            .catch((e: unknown) => deps.log(`quality sampling failed: ${String(e)}`));
        }, sampleMs)
      : undefined;
  sampleTimer?.unref();
  return {
    service,
    router: qualityRouter({ quality: service, bearerUser: deps.bearerUser }),
    close: async () => {
      clearInterval(followTimer);
      clearInterval(sampleTimer);
      await sampling;
      await service.settled();
    },
  };
}

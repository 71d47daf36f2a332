import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { User } from '../../shared';
import type { Db } from '../db/schema';
import { intakeAdminRouter } from './intake-admin-api';
import { DEFAULT_INTAKE_LIMITS, intakeApp, type IntakeLimits } from './intake-http';
import { OutboundSender } from './outbound';
import { RateLimiter } from './rate-limit';

export { queueMessagingReply } from './outbound';

export interface IntakeOptions {
  limits?: Partial<IntakeLimits>;
  /** How often queued replies are looked at (default 5 s; 0: only when deliverDue() is called or one is queued). */
  outboundPollMs?: number;
}

export interface Intake {
  /** Admin routes (channels, API keys) and the customer merge, for the REST API's router list. */
  router: ReturnType<typeof intakeAdminRouter>;
  /** Serves /api/intake/* (webhooks, API keys' endpoints) ahead of the REST API's body parser; false for others. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Delivers the replies due now (tests, diagnostics); returns how many were sent. */
  deliverDue(): Promise<number>;
  close(): Promise<void>;
}

/** Messaging webhooks, API intake and customer merge (issue 13), as one part the service starts and stops. */
export function startIntake(deps: {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  bearerUser: (req: Request) => Promise<User>;
  poke: (departments: string[]) => void;
  options?: IntakeOptions;
}): Intake {
  const rate = new RateLimiter(deps.db, deps.now);
  const limits = { ...DEFAULT_INTAKE_LIMITS, ...deps.options?.limits };
  const app = intakeApp({ db: deps.db, now: deps.now, log: deps.log, limits, rate, poke: deps.poke });
  const sender = new OutboundSender(deps.db, deps.now, deps.log, deps.options?.outboundPollMs ?? 5_000);
  sender.start();
  const pruner = setInterval(
    () =>
      void rate.prune().catch((e: unknown) => deps.log(`pruning intake rate counts failed: ${String(e)}`)),
    600_000,
  );
  pruner.unref();
  return {
    router: intakeAdminRouter({ db: deps.db, now: deps.now, bearerUser: deps.bearerUser, poke: deps.poke }),
    handle(req, res) {
      if (!req.url?.startsWith('/api/intake/')) return false;
      app(req, res);
      return true;
    },
    deliverDue: () => sender.deliverDue(),
    close: async () => {
      clearInterval(pruner);
      await sender.close();
    },
  };
}

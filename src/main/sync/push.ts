import { Ack, SwitchboardError } from '../../shared/protocol/errors';
import { PushResponse, SocketEvents } from '../../shared/protocol/sync';
import type { LocalStore, Touched } from '../store';
import { ackData } from './pull';
import type { SyncConnection } from './transport';

const PushAck = Ack(PushResponse);

/** A refused mutation: what undoing it changed locally, and the server's reason. */
export interface Refusal {
  id: string;
  name: string;
  touched: Touched;
  message: string;
}

export interface PushOutcome {
  applied: number;
  rejected: Refusal[];
}

/**
 * Push the outbox in order, in batches, until it is empty. Applied mutations are deleted; rejected
 * ones are deleted and undone locally (a field conflict is kept for the agent to settle). A failure in transit leaves them queued (with the attempt
 * counted) and propagates, so the engine retries with backoff.
 */
export async function pushAll(
  conn: SyncConnection,
  store: LocalStore,
  opts: {
    batchSize: number;
    timeoutMs: number;
    /**
     * Told of each refusal as soon as it is undone locally. A later batch can still fail in transit and
     * end the push with an error, and the refusal must reach the agent all the same: its outbox entry is gone.
     */
    onRejected?: (r: Refusal) => void;
  },
): Promise<PushOutcome> {
  const outcome: PushOutcome = { applied: 0, rejected: [] };
  for (;;) {
    const batch = store.read.outbox(opts.batchSize);
    if (batch.length === 0) return outcome;
    const ids = batch.map((e) => e.mutation.id);
    let response: PushResponse;
    try {
      const raw = await conn.request(
        SocketEvents.push,
        { mutations: batch.map((e) => e.mutation) },
        opts.timeoutMs,
      );
      response = ackData<PushResponse>(PushAck, raw);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      store.write.markAttemptFailed(ids, message);
      throw e;
    }
    const results = new Map(response.results.map((r) => [r.id, r]));
    const applied: string[] = [];
    let rejected = 0;
    for (const e of batch) {
      const r = results.get(e.mutation.id);
      if (!r) continue;
      if (r.status === 'applied') applied.push(e.mutation.id);
      else {
        rejected++;
        const touched = store.write.markRejected(e.mutation.id, r.error?.conflicts);
        if (touched) {
          const refusal = {
            id: e.mutation.id,
            name: e.mutation.name,
            touched,
            message: r.error?.message ?? 'refused',
          };
          outcome.rejected.push(refusal);
          opts.onRejected?.(refusal);
        }
      }
    }
    const versions = new Map(
      response.results.flatMap((r) => (r.version !== undefined ? [[r.id, r.version] as const] : [])),
    );
    store.write.markApplied(applied, versions);
    outcome.applied += applied.length;
    if (applied.length + rejected === 0) {
      // The server answered without a word on our mutations: stop rather than resend forever.
      throw new SwitchboardError('internal', 'The server did not acknowledge the queued changes.');
    }
  }
}

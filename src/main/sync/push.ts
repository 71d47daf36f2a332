import { Ack, SwitchboardError } from '../../shared/protocol/errors';
import {
  jsonBytes,
  PUSH_MAX_BYTES,
  PushResponse,
  SocketEvents,
  type FieldConflict,
} from '../../shared/protocol/sync';
import type { LocalStore, OutboxEntry, Touched } from '../store';
import { ackData } from './pull';
import type { SyncConnection } from './transport';

const PushAck = Ack(PushResponse);

/**
 * Mutations in one push at most (PUSH_MAX_BYTES bounds it too). A replay of 10,000 edits spent a fifth of its
 * time in round trips at 100 a push; the server commits every 100 whatever the push size.
 */
export const PUSH_BATCH = 1000;

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

/** What a push carries besides its mutations. */
const pushBody = (mutations: unknown[], deviceId: string | undefined) =>
  deviceId === undefined ? { mutations } : { mutations, deviceId };

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;

/**
 * The longest prefix of the queued entries that fits one push by bytes (PUSH_MAX_BYTES, counted as the server
 * counts them: UTF-8 JSON). Long texts in Chinese fill a push with a few dozen mutations where short edits fit
 * hundreds; the count limit still applies through what was read from the outbox.
 */
function fitBatch(
  entries: OutboxEntry[],
  maxBytes: number,
  deviceId: string | undefined,
): { batch: OutboxEntry[]; firstBytes: number } {
  // A push holding no mutation (`{"mutations":[],...}`); each mutation adds its own bytes, plus a comma.
  let bytes = jsonBytes(pushBody([], deviceId));
  const batch: OutboxEntry[] = [];
  let firstBytes = 0;
  for (const e of entries) {
    const own = jsonBytes(e.mutation);
    if (batch.length === 0) firstBytes = own;
    const added = own + (batch.length > 0 ? 1 : 0);
    if (bytes + added > maxBytes) break;
    bytes += added;
    batch.push(e);
  }
  return { batch, firstBytes };
}

/**
 * Push the outbox in order, in batches of at most `batchSize` mutations and PUSH_MAX_BYTES, until it is empty.
 * Applied mutations are deleted; rejected ones are deleted and undone locally (a field conflict is kept for
 * the agent to settle). A failure in transit leaves them queued (with the attempt counted) and propagates, so
 * the engine retries with backoff.
 *
 * Nothing is resent forever for what it holds: a mutation too large for any push is refused here without being
 * sent, and a push the server refuses as a whole (bad_request: invalid or too large) is sent again in halves
 * until the one mutation it refuses is found, refused and undone, and the rest of the outbox goes through.
 */
export async function pushAll(
  conn: SyncConnection,
  store: LocalStore,
  opts: {
    batchSize: number;
    timeoutMs: number;
    /** This installation's id, sent with every push (the server tells conflicting devices apart by it). */
    deviceId?: string;
    /**
     * Told of each refusal as soon as it is undone locally. A later batch can still fail in transit and
     * end the push with an error, and the refusal must reach the agent all the same: its outbox entry is gone.
     */
    onRejected?: (r: Refusal) => void;
  },
): Promise<PushOutcome> {
  const outcome: PushOutcome = { applied: 0, rejected: [] };
  const refuse = (e: OutboxEntry, code: string, message: string, conflicts?: FieldConflict[]) => {
    // The refused entry (and what depended on it) goes to the agent's not-sent list in the same step.
    const touched = store.write.markRejected(e.mutation.id, conflicts, { code, message });
    if (!touched) return;
    const refusal = { id: e.mutation.id, name: e.mutation.name, touched, message };
    outcome.rejected.push(refusal);
    opts.onRejected?.(refusal);
  };
  // Lowered while halving a push the server refused as a whole; back to batchSize once the culprit is out.
  let limit = opts.batchSize;
  for (;;) {
    const queued = store.read.outbox(limit);
    if (queued.length === 0) return outcome;
    const { batch, firstBytes } = fitBatch(queued, PUSH_MAX_BYTES, opts.deviceId);
    if (batch.length === 0) {
      // Valid mutations always fit (the schemas bound every text); this one is not, and never will be.
      refuse(
        queued[0]!,
        'too_large',
        `This change is too large to send (${kib(firstBytes)}; one push carries at most ${kib(PUSH_MAX_BYTES)}). ` +
          'It was taken back here; make it again in shorter parts.',
      );
      continue;
    }
    const ids = batch.map((e) => e.mutation.id);
    let response: PushResponse;
    try {
      const raw = await conn.request(
        SocketEvents.push,
        pushBody(
          batch.map((e) => e.mutation),
          opts.deviceId,
        ),
        opts.timeoutMs,
      );
      response = ackData<PushResponse>(PushAck, raw);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      store.write.markAttemptFailed(ids, message);
      // Refused for what it holds: the same push would be refused again, so narrow it down instead.
      if (e instanceof SwitchboardError && e.code === 'bad_request') {
        if (batch.length > 1) limit = Math.ceil(batch.length / 2);
        else {
          refuse(batch[0]!, 'bad_request', message);
          limit = opts.batchSize;
        }
        continue;
      }
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
        refuse(e, r.error?.code ?? 'refused', r.error?.message ?? 'refused', r.error?.conflicts);
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

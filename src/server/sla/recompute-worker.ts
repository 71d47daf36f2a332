import { parentPort, workerData } from 'node:worker_threads';
import { SlaEngine } from '../../shared/sla';
import { openSqliteCheckpointer, openSqliteRows } from '../db/dialect-sqlite-rows';
import { ChunkPacker, spanOf, type FromWorker, type ToWorker, type WorkerInput } from './recompute-packed';
import { changeOf, readSqliteChunk, type ChunkTicket } from './recompute-read';
import { evaluateSla } from './sla-evaluate';

/**
 * The worker's half of a pipelined SLA recompute on SQLite (recompute-pipeline.ts): on its own read-only
 * connection it takes the next rowid range nobody has, reads its unsolved tickets and computes them with the
 * shared engine under the configuration the run started with, and hands the changes over, at most `ahead`
 * ranges before the service's thread has written them. It never writes; what it computed from a ticket that
 * changed since is dropped by the writing side. Every so often it checkpoints the WAL the writer fills. It loads
 * only what that needs (the service's thread is already at work meanwhile).
 */
const input = workerData as WorkerInput;
const port = parentPort!;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const store = openSqliteRows(input.file);
const checkpointer = openSqliteCheckpointer(input.file);
let checkpointed = performance.now();
const engine = new SlaEngine(input.config);
const claims = new Int32Array(input.claims);
const { ranges } = input;
let credits = input.ahead;
let at = input.at;
let wake: (() => void) | null = null;

port.on('message', (m: ToWorker) => {
  at = m.at;
  credits++;
  wake?.();
  wake = null;
});

async function run(): Promise<void> {
  const packer = new ChunkPacker(1024);
  for (;;) {
    while (credits === 0) await new Promise<void>((r) => (wake = r));
    const k = Atomics.add(claims, 0, 1);
    if (k >= ranges.count) return;
    credits--;
    const t0 = performance.now();
    const rows = readSqliteChunk(store.rows, { ...spanOf(ranges, k), limit: null }, false);
    await readRecords(rows);
    const t1 = performance.now();
    packer.reserve(rows.length);
    for (const r of rows) {
      const o = evaluateSla(engine, r.inputs, at);
      const change = changeOf(r, o);
      if (change !== 'none') packer.add(r.key as number, o, change);
    }
    const [chunk, buffers] = packer.finish(k, rows.length, t1 - t0, performance.now() - t1);
    send({ kind: 'chunk', chunk }, buffers);
    // The writer's commits meanwhile, into the database file: off the thread that writes.
    if (performance.now() - checkpointed >= input.checkpointEveryMs) {
      checkpointer.checkpoint();
      checkpointed = performance.now();
    }
  }
}

let reader: Promise<(tickets: readonly ChunkTicket[]) => Promise<void>> | null = null;

/**
 * Tickets without a stored timeline (data loaded before the service ran) need their record, read as the
 * service's thread reads it; the store's modules are loaded for that the first time it happens.
 */
async function readRecords(tickets: readonly ChunkTicket[]): Promise<void> {
  if (tickets.every((t) => t.inputs.timeline)) return;
  reader ??= (async () => {
    const [{ openSqliteReader }, chunk] = await Promise.all([
      import('../db/dialect-sqlite'),
      import('./recompute-chunk'),
    ]);
    const db = openSqliteReader(input.file);
    return (list: readonly ChunkTicket[]) => chunk.readRecords(db, list);
  })();
  await (
    await reader
  )(tickets);
}

void run().catch((e: unknown) => send({ kind: 'failed', message: String(e) }));

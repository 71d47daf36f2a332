/**
 * Poke fan-out across two service nodes on one PostgreSQL (sync/README.md): a desktop on node A edits a ticket,
 * N sockets of the same department listen, half on node A and half on node B, and each one's time from the push
 * to its poke is recorded. Nodes run in processes of their own (bench/sync-server.ts) on a throwaway cluster
 * (scripts/postgres.mjs). `npx tsx bench/fanout.ts`; env BENCH_SOCKETS (default 200), BENCH_EDITS (default 50).
 * Prints figures and one JSON line; exits non-zero when node B hears a poke later than p95 100 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { databaseUrl, startPostgres } from '../scripts/postgres.mjs';
import { LoginResponse, SocketEvents, type Ack, type Mutation } from '../src/shared';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase } from '../src/server/db/open';
import { seedDemo } from '../src/server/demo/seed-demo';

const SOCKETS = Number(process.env['BENCH_SOCKETS'] ?? 200);
const EDITS = Number(process.env['BENCH_EDITS'] ?? 50);
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const here = dirname(fileURLToPath(import.meta.url));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await startPostgres();
const nodes: ChildProcess[] = [];
const sockets: Socket[] = [];
try {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('CREATE DATABASE switchboard');
  await admin.end();
  const url = databaseUrl(cluster.url, 'switchboard');
  const db = openDatabase(url);
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 200, customers: 50 });
  await db.destroy();

  const startNode = () =>
    new Promise<string>((resolve, reject) => {
      const child = fork(join(here, 'sync-server.ts'), [url, '0'], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, BENCH_JWT_SECRET: JWT_SECRET, BENCH_TTL_SECONDS: '3600' },
      });
      nodes.push(child);
      child.once('message', (m) => resolve((m as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`a node exited (${code}) before it was ready`)));
    });
  const [nodeA, nodeB] = [await startNode(), await startNode()];

  const login = async (base: string, username: string) => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'switchboard' }),
    });
    const body: unknown = await res.json();
    if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(body)}`);
    return LoginResponse.parse(body);
  };
  const open = (base: string, token: string) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(base, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(s);
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });

  // after-sales: agent01 edits from node A; agent02..04 listen, half of the sockets on each node.
  const editor = await login(nodeA, 'agent01');
  const listeners = [];
  // One after another: sign-ins at once from one address met the address throttle on PostgreSQL.
  for (const u of ['agent02', 'agent03', 'agent04']) listeners.push(await login(nodeA, u));
  const writer = await open(nodeA, editor.accessToken);
  const heard: { node: 'A' | 'B'; at: number[] }[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const node = i % 2 === 0 ? 'A' : 'B';
    const s = await open(node === 'A' ? nodeA : nodeB, listeners[i % listeners.length]!.accessToken);
    const entry = { node, at: [] as number[] } as const;
    heard.push(entry);
    s.on(SocketEvents.poke, () => entry.at.push(performance.now()));
  }
  const pull = (await writer
    .timeout(10_000)
    .emitWithAck(SocketEvents.pull, { cursor: 0, limit: 1000 })) as Ack<{
    changes: { kind: string; op: string; data?: { id: string; version: number; departmentId: string } }[];
  }>;
  if (!pull.ok) throw new Error(pull.error.message);
  const ticket = pull.data.changes.find((c) => c.kind === 'ticket' && c.op === 'upsert')!.data!;

  const local: number[] = [];
  const remote: number[] = [];
  const lastSocket: number[] = [];
  let version = ticket.version;
  for (let e = 0; e < EDITS + 1; e++) {
    const before = heard.map((h) => h.at.length);
    const t0 = performance.now();
    const mutation = {
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId: ticket.id, patch: { subject: `fan-out ${e}` }, baseVersion: version },
    } as Mutation;
    const ack = (await writer
      .timeout(10_000)
      .emitWithAck(SocketEvents.push, { mutations: [mutation] })) as Ack<{
      results: { status: string; version?: number }[];
    }>;
    if (!ack.ok) throw new Error(ack.error.message);
    version += 1;
    const deadline = performance.now() + 10_000;
    while (heard.some((h, i) => h.at.length === before[i]) && performance.now() < deadline) await sleep(2);
    if (e === 0) continue; // the first poke of each node is plain (nothing poked before): a warm-up
    let last = 0;
    for (const [i, h] of heard.entries()) {
      const at = h.at[before[i]!];
      if (at === undefined) throw new Error(`socket ${i} on node ${h.node} heard no poke for edit ${e}`);
      (h.node === 'A' ? local : remote).push(at - t0);
      last = Math.max(last, at - t0);
    }
    lastSocket.push(last);
    await sleep(20);
  }
  for (const list of [local, remote, lastSocket]) list.sort((x, y) => x - y);
  const ms = (n: number) => Math.round(n * 10) / 10;
  const summary = {
    sockets: SOCKETS,
    edits: EDITS,
    localP50Ms: ms(percentile(local, 50)),
    localP95Ms: ms(percentile(local, 95)),
    remoteP50Ms: ms(percentile(remote, 50)),
    remoteP95Ms: ms(percentile(remote, 95)),
    allHeardP95Ms: ms(percentile(lastSocket, 95)),
    load: loadavg()[0]!.toFixed(2),
  };
  console.log(
    `push on node A -> poke heard, ${SOCKETS} sockets (half on each node), ${EDITS} edits:\n` +
      `  node A (local):  p50 ${summary.localP50Ms} ms, p95 ${summary.localP95Ms} ms\n` +
      `  node B (remote): p50 ${summary.remoteP50Ms} ms, p95 ${summary.remoteP95Ms} ms\n` +
      `  every socket heard: p95 ${summary.allHeardP95Ms} ms (load average ${summary.load})`,
  );
  // The cluster issue's target for an edit seen on the other node (p95 <= 100 ms); this measures its poke half.
  const targets = { remoteP95Ms: 100 };
  const pass = Number(summary.remoteP95Ms) <= targets.remoteP95Ms;
  console.log(JSON.stringify({ bench: 'fanout', metrics: summary, targets, pass }));
  process.exitCode = pass ? 0 : 1;
} finally {
  for (const s of sockets) s.close();
  for (const n of nodes) n.send('close');
  await sleep(500);
  for (const n of nodes) n.kill();
  cluster.stop();
}

/**
 * Sync benchmark over a real server on loopback and real desktop services (SQLite replica, sync engine on
 * socket.io): initial sync of 100,000 tickets in one department; a local edit made durable and read back
 * through the services (p95); replay of 10,000 edits made offline; an edit seen on a second desktop while
 * 500 more agents are connected (p95). The service and the 500 agents run in processes of their own
 * (bench/sync-server.ts, bench/sync-agents.ts), as they do on their own machines; the two measured
 * desktops share this one. `npm run bench:sync`; env BENCH_TICKETS, BENCH_EDITS, BENCH_OFFLINE,
 * BENCH_REMOTE, BENCH_AGENTS scale it. `npm run bench:sync -- --db postgres` runs the same with the service on
 * a throwaway PostgreSQL cluster (scripts/postgres.mjs); `--db sqlite` (the default) on a SQLite file.
 * Last line: one JSON summary; exit code 1 when a target is missed.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/postgres.mjs';
import { streamEnd } from '../src/server/db/change-log';
import { openPostgres } from '../src/server/db/dialect-postgres';
import { isPostgresUrl } from '../src/server/db/open';
import type { Database as ServerDatabase } from '../src/server/db/schema';
import { storePath } from '../src/main/services';
import { benchDesktop as desktop, editSeenMs, nextPriority, sleep, type BenchDesktop } from './bench-desktop';
import { seedSyncServer } from './sync-data';
import { benchStoreArg } from './store-arg';

const store = benchStoreArg();

const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 100_000);
const EDITS = Number(process.env['BENCH_EDITS'] ?? 1000);
const OFFLINE = Number(process.env['BENCH_OFFLINE'] ?? 10_000);
const REMOTE = Number(process.env['BENCH_REMOTE'] ?? 200);
const AGENTS = Number(process.env['BENCH_AGENTS'] ?? 500);
const REPLAY_WAIT_S = Number(process.env['BENCH_REPLAY_WAIT_S'] ?? 180);
const targets = { editP95Ms: 16, initialSyncSeconds: 10, replaySeconds: 10, remoteP95Ms: 50 };

const JWT_SECRET = 'bench-secret-bench-secret-bench-secret';
const TTL_SECONDS = 4 * 3600; // longer than any run, so no refresh lands in a measurement

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function summary(label: string, times: number[]): { p50: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const r = { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
  console.log(
    `${label}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms (n=${times.length})`,
  );
  return r;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 600_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A reader beside the server for the stream head and what was applied: on SQLite a read-only connection to its
 * file (WAL lets it in), on PostgreSQL a pool of two of its own.
 */
const serverReader: { db: Kysely<ServerDatabase> | null } = { db: null };
const reader = () =>
  (serverReader.db ??= isPostgresUrl(dbLocation)
    ? openPostgres(dbLocation, { maxConnections: 2 })
    : new Kysely<ServerDatabase>({
        dialect: new SqliteDialect({ database: new Database(dbLocation, { readonly: true }) }),
      }));

/** The newest change on the server; on PostgreSQL every writer of the bench has committed when it is read. */
const serverHead = (): Promise<number> => streamEnd(reader());

async function appliedOnServer(userId: string): Promise<number> {
  const row = await reader()
    .selectFrom('applied_mutations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('status', '=', 'applied')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function caughtUp(d: BenchDesktop): Promise<boolean> {
  const s = await d.call('sync.status', {});
  return s.state === 'online' && s.pending === 0 && s.cursor >= (await serverHead());
}

/** Tickets in a desktop's replica, counted in its file (the UI's list caps its total). */
async function replicaTickets(d: BenchDesktop, serverUrl: string): Promise<number> {
  const userId = (await d.call('session.get', {}))!.user.id;
  const db = new Database(storePath(d.dataDir, serverUrl, userId), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
const dir = mkdtempSync(join(tmpdir(), 'sb-bench-sync-'));
// The service's store: a SQLite file in `dir`, or a database on a throwaway PostgreSQL cluster (set below).
let dbLocation = join(dir, 'server.sqlite');
let cluster: { url: string; dir: string; stop(): void } | null = null;

/**
 * CPU time (ms) PostgreSQL has used so far, on PostgreSQL runs (0 on SQLite, where the store works inside the
 * server's process): the postmaster and its live backends, and the backends that ended (reaped, so counted in
 * the postmaster's children's time). The third process in the pipeline, beside the desktop and the server.
 */
function databaseCpuMs(): number {
  if (!cluster) return 0;
  const ticks = (pid: string) => {
    try {
      // Fields after the command name: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 1-based here.
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return { ppid: f[1], own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
    } catch {
      return null; // a backend that ended meanwhile
    }
  };
  const postmaster = readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8')
    .split('\n')[0]!
    .trim();
  const main = ticks(postmaster);
  if (!main) return 0;
  let total = main.own + main.children;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const t = ticks(pid);
    if (t?.ppid === postmaster) total += t.own;
  }
  return total * 10; // USER_HZ is 100 on Linux
}
const onPostgres = () => store === 'postgres';
const here = dirname(fileURLToPath(import.meta.url));
const childEnv = { ...process.env, BENCH_JWT_SECRET: JWT_SECRET, BENCH_TTL_SECONDS: String(TTL_SECONDS) };
// BENCH_PROFILE_DIR=<dir>: the forked processes write CPU profiles there (run this one with node --cpu-prof too).
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];
const childArgv = [
  '--import',
  'tsx',
  ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
];

/** A bench process forked with tsx and an IPC channel; resolves with its first message. */
function forkChild<T>(script: string, args: string[]): Promise<{ child: ChildProcess; first: T }> {
  const child = fork(join(here, script), args, { execArgv: childArgv, env: childEnv });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, first: m as T }));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
}

interface BenchServer {
  url: string;
  port: number;
  /** CPU time the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
async function start(port = 0): Promise<BenchServer> {
  const { child, first } = await forkChild<{ url: string; port: number }>('sync-server.ts', [
    dbLocation,
    String(port),
  ]);
  child.removeAllListeners('exit');
  return {
    ...first,
    cpuMs: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { cpuMs: number }).cpuMs));
        child.send('cpu');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

let agents: ChildProcess | null = null;
const desktops: BenchDesktop[] = [];
let server: BenchServer | null = null;

try {
  console.log(`Load average at start: ${load()} (2 cores shared with other work)`);
  if (store === 'postgres') {
    cluster = await startPostgres();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE switchboard');
    await admin.end();
    // Through the cluster's Unix socket (in its folder), as a service on the database's own host would connect:
    // every statement is a round trip, and one over loopback TCP costs this 2-core VM about a third more.
    const port = new URL(cluster.url).port;
    dbLocation = `postgres://switchboard@/switchboard?host=${encodeURIComponent(cluster.dir)}&port=${port}`;
    console.log(`The service's store: PostgreSQL (throwaway cluster, port ${port}, over its Unix socket)`);
  }
  console.log(
    `Seeding a server with ${TICKETS.toLocaleString('en')} tickets in one department and ${AGENTS} extra agents`,
  );
  const seeded = await seedSyncServer(dbLocation, {
    tickets: TICKETS,
    customers: Math.max(200, Math.round(TICKETS / 5)),
    extraAgents: AGENTS,
  });
  console.log(`  seeded in ${seeded.seconds.toFixed(1)} s; change stream head ${seeded.head}`);
  server = await start();
  const url = server.url;

  // 1. Initial sync: sign in on a fresh desktop and pull until the replica is at the server's head.
  const a = desktop(join(dir, 'desktop-a'), 'bench-a');
  desktops.push(a);
  const serverCpu0 = await server.cpuMs();
  const desktopCpu0 = cpuMs();
  const databaseCpu0 = databaseCpuMs();
  let t0 = performance.now();
  await a.call('auth.login', {
    serverUrl: url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await until(() => caughtUp(a), 'the initial sync');
  const initialS = (performance.now() - t0) / 1000;
  // CPU seconds each side spent: unlike the wall time, barely moved by other work on a shared machine.
  const initialCpu = {
    desktop: (cpuMs() - desktopCpu0) / 1000,
    server: ((await server.cpuMs()) - serverCpu0) / 1000,
    database: (databaseCpuMs() - databaseCpu0) / 1000,
  };
  const replicaCount = await replicaTickets(a, url);
  console.log(
    `initial sync of ${replicaCount.toLocaleString('en')} tickets (${seeded.head.toLocaleString('en')} changes): ${initialS.toFixed(2)} s (CPU: desktop ${initialCpu.desktop.toFixed(2)} s, server ${initialCpu.server.toFixed(2)} s${onPostgres() ? `, PostgreSQL ${initialCpu.database.toFixed(2)} s` : ''})`,
  );
  if (replicaCount < TICKETS)
    throw new Error(`the replica holds ${replicaCount} tickets, expected ${TICKETS}`);

  // The tickets the edits go to: every ticket in the replica, in list order, from the list query the UI uses.
  const ids: string[] = [];
  for (let offset = 0; ids.length < Math.max(EDITS, OFFLINE, REMOTE); offset += 500) {
    const page = await a.call('tickets.search', { limit: 500, offset });
    if (page.rows.length === 0) break;
    ids.push(...page.rows.map((r) => r.id));
  }

  // 2. Local edit: the handler writes row + outbox and returns; then the UI reads the ticket back.
  const editTimes: number[] = [];
  for (let i = 0; i < EDITS + 20; i++) {
    const id = ids[i % ids.length]!;
    const before = (await a.call('tickets.get', { id })).ticket.priority;
    const want = nextPriority(before);
    t0 = performance.now();
    await a.call('tickets.update', { id, patch: { priority: want } });
    const shown = (await a.call('tickets.get', { id })).ticket.priority;
    const ms = performance.now() - t0;
    if (shown !== want) throw new Error(`ticket ${id} shows ${shown} after setting ${want}`);
    if (i >= 20) editTimes.push(ms); // the first few warm statement caches
    // The engine pushes in the background as in the app; give it the event loop between edits.
    await sleep(1);
  }
  const edit = summary(
    'local edit -> durable in SQLite and read back (tickets.update + tickets.get)',
    editTimes,
  );
  await until(() => caughtUp(a), 'the edits to sync');

  // 3. Edit -> visible on a second desktop, with AGENTS more agents connected as desktops are.
  const b = desktop(join(dir, 'desktop-b'), 'bench-b');
  desktops.push(b);
  await b.call('auth.login', {
    serverUrl: url,
    username: 'agent02',
    password: 'switchboard',
    remember: false,
  });
  await until(() => caughtUp(b), 'the second desktop’s initial sync');
  t0 = performance.now();
  const accountsFile = join(dir, 'agents.json');
  writeFileSync(accountsFile, JSON.stringify(seeded.extraAgents));
  const forked = await forkChild<{ connected: number }>('sync-agents.ts', [
    url,
    String(await serverHead()),
    accountsFile,
  ]);
  agents = forked.child;
  const connected = forked.first.connected;
  console.log(
    `  ${connected} more agents connected in ${((performance.now() - t0) / 1000).toFixed(1)} s from their own process (spread over ${seeded.departmentIds.length} departments; each takes a poke's changes or pulls)`,
  );

  const remoteTimes: number[] = [];
  const remoteIds = ids.slice(EDITS, EDITS + REMOTE + 10);
  for (let i = 0; i < remoteIds.length; i++) {
    const ms = await editSeenMs(a, b, remoteIds[i]!, 'the second desktop');
    if (i >= 10) remoteTimes.push(ms);
    // Let the simulated agents' pulls for this edit settle, as edits by one agent are seconds apart.
    await sleep(20);
  }
  const remote = summary(
    `edit on desktop A -> visible on desktop B (${connected} more agents connected)`,
    remoteTimes,
  );
  const simPulls = await new Promise<number>((resolve) => {
    agents!.once('message', (m) => resolve((m as { pulls: number }).pulls));
    agents!.send('count');
  });
  console.log(`  the simulated agents pulled ${simPulls} times`);
  agents.disconnect();
  agents = null;
  await desktops.pop()!.services.dispose();
  await until(() => caughtUp(a), 'desktop A to settle');

  // 4. Offline replay: the server goes away, the agent keeps working, the server comes back.
  const port = server.port;
  await server.close();
  server = null;
  await until(async () => (await a.call('sync.status', {})).state === 'offline', 'desktop A to go offline');
  const appliedBefore = await appliedOnServer((await a.call('session.get', {}))!.user.id);
  t0 = performance.now();
  const offlineIds = ids.slice(0, OFFLINE);
  for (const id of offlineIds) {
    const before = (await a.call('tickets.get', { id })).ticket.priority;
    await a.call('tickets.update', { id, patch: { priority: nextPriority(before) } });
  }
  const pending = (await a.call('sync.status', {})).pending;
  console.log(
    `  ${pending.toLocaleString('en')} edits queued offline in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  let reconnectedAt = 0;
  a.onStatus = (s) => {
    // Connected: 'connecting' is only an attempt, made on the back-off timer, and failing while the server starts.
    if (!reconnectedAt && (s.state === 'syncing' || s.state === 'online')) reconnectedAt = performance.now();
  };
  const restartAt = performance.now();
  server = await start(port);
  const replayCpu0 = { desktop: cpuMs(), server: await server.cpuMs(), database: databaseCpuMs() };
  const userId = (await a.call('session.get', {}))!.user.id;
  // A replay far over target is cut off (and reported as such) rather than waited out, so the run still ends.
  let drained = true;
  await until(
    async () => {
      const s = await a.call('sync.status', {});
      return s.pending === 0 && (await appliedOnServer(userId)) - appliedBefore >= pending;
    },
    'the outbox to drain',
    REPLAY_WAIT_S * 1000,
  ).catch(() => (drained = false));
  const doneAt = performance.now();
  const replayCpu = {
    desktop: (cpuMs() - replayCpu0.desktop) / 1000,
    server: ((await server.cpuMs()) - replayCpu0.server) / 1000,
    database: (databaseCpuMs() - replayCpu0.database) / 1000,
  };
  a.onStatus = null;
  const replayS = (doneAt - (reconnectedAt || restartAt)) / 1000;
  const applied = (await appliedOnServer(userId)) - appliedBefore;
  const left = (await a.call('sync.status', {})).pending;
  console.log(
    drained
      ? `replay of ${pending.toLocaleString('en')} offline edits, reconnect -> outbox empty and ${applied.toLocaleString('en')} applied on the server: ${replayS.toFixed(2)} s`
      : `replay of ${pending.toLocaleString('en')} offline edits NOT finished after ${replayS.toFixed(2)} s: ${applied.toLocaleString('en')} applied on the server, ${left.toLocaleString('en')} still queued`,
  );
  console.log(
    `  (CPU from the restart: desktop ${replayCpu.desktop.toFixed(2)} s, server ${replayCpu.server.toFixed(2)} s${onPostgres() ? `, PostgreSQL ${replayCpu.database.toFixed(2)} s` : ''})`,
  );
  console.log(
    `  (server restart -> reconnect took ${(((reconnectedAt || restartAt) - restartAt) / 1000).toFixed(2)} s, the server starting and socket.io back-off, not counted; restart -> outbox empty ${((doneAt - restartAt) / 1000).toFixed(2)} s)`,
  );
  console.log(`Load average at end: ${load()}`);

  const metrics = {
    db: store,
    tickets: replicaCount,
    changes: seeded.head,
    initialSyncSeconds: Number(initialS.toFixed(2)),
    initialSyncCpuSeconds: {
      desktop: Number(initialCpu.desktop.toFixed(2)),
      server: Number(initialCpu.server.toFixed(2)),
      ...(onPostgres() ? { database: Number(initialCpu.database.toFixed(2)) } : {}),
    },
    editP50Ms: Number(edit.p50.toFixed(2)),
    editP95Ms: Number(edit.p95.toFixed(2)),
    offlineEdits: pending,
    replayDrained: drained,
    replaySeconds: Number(replayS.toFixed(2)),
    replayCpuSeconds: {
      desktop: Number(replayCpu.desktop.toFixed(2)),
      server: Number(replayCpu.server.toFixed(2)),
      ...(onPostgres() ? { database: Number(replayCpu.database.toFixed(2)) } : {}),
    },
    connectedAgents: AGENTS + 2,
    remoteP50Ms: Number(remote.p50.toFixed(2)),
    remoteP95Ms: Number(remote.p95.toFixed(2)),
  };
  const pass =
    edit.p95 <= targets.editP95Ms &&
    initialS <= targets.initialSyncSeconds &&
    drained &&
    replayS <= targets.replaySeconds &&
    remote.p95 <= targets.remoteP95Ms;
  console.log(
    JSON.stringify({ bench: store === 'postgres' ? 'sync-postgres' : 'sync', metrics, targets, pass }),
  );
  process.exitCode = pass ? 0 : 1;
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  agents?.kill();
  for (const d of desktops) await d.services.dispose();
  await serverReader.db?.destroy();
  await server?.close();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}

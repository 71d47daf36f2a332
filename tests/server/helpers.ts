import { io as connect, type Socket } from 'socket.io-client';
import {
  LoginResponse,
  PullResponse,
  PushResponse,
  SocketEvents,
  type Ack,
  type Change,
  type Mutation,
  type User,
} from '../../src/shared';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/app';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { freshDatabase, type TestDatabase } from './test-db';

export { TEST_DIALECT, freshDatabase, scratchDb } from './test-db';

export interface TestServer extends RunningServer {
  /** The store: a SQLite file, or a postgres:// URL under npm run test:pg (open it with openDatabase). */
  dbPath: string;
  clock: { now: Date };
  /** The database itself; stop() drops it. */
  store: TestDatabase;
  stop(): Promise<void>;
}

const JWT_SECRET = 'test-secret-test-secret-test-secret';
/** The PBX secret of every test server unless a test gives its own: the PBX endpoints never answer without one. */
export const TEST_PBX_SECRET = 'test-pbx-secret-test-pbx-secret';

/**
 * Test servers sweep SLA events only when a test calls `server.sla.sweep()`: the demo data's breached tickets
 * would otherwise be escalated (priorities raised) under other tests' feet.
 */
const NO_SLA_TIMER = { sweepEveryMs: 0 };

/**
 * A real server on a free port over a temp database holding a smaller demo data set (same generator and
 * writer as `--seed demo`, fewer rows, so each file stays fast). The clock can be moved to test expiry.
 */
export async function startTestServer(
  opts: {
    tickets?: number;
    customers?: number;
    accessTokenTtlSeconds?: number;
    /** Runs on the seeded database before the server opens it. */
    prepare?: (db: Db) => Promise<void>;
  } & Pick<
    StartServerOptions,
    // chatRouting: chat routing (issue 13), e.g. the visitor protocol's tests without the bot.
    'pbx' | 'pbxSecret' | 'voice' | 'port' | 'loginThrottle' | 'sla' | 'chatRouting' | 'llm' | 'triage'
  > = {},
): Promise<TestServer> {
  const store = await freshDatabase();
  const dbPath = store.location;
  const db = openDatabase(dbPath);
  await migrateToLatest(db);
  await seedDemo(db, { tickets: opts.tickets ?? 600, customers: opts.customers ?? 200 });
  await opts.prepare?.(db);
  await db.destroy();
  const clock = { now: new Date() };
  const server = await startServer({
    port: opts.port ?? 0,
    dbPath,
    seed: 'none',
    jwtSecret: JWT_SECRET,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
    pbx: opts.pbx,
    pbxSecret: opts.pbxSecret ?? TEST_PBX_SECRET,
    loginThrottle: opts.loginThrottle,
    voice: opts.voice,
    sla: opts.sla ?? NO_SLA_TIMER,
    chatRouting: opts.chatRouting,
    // The optional LLM stage is off in tests unless one asks for it (a developer's SWITCHBOARD_LLM_URL too).
    llm: opts.llm ?? null,
    triage: opts.triage,
    now: () => clock.now,
    // DEBUG_SERVER_LOG=1 shows the test server's log (what it did, what failed) on stderr.
    log: process.env.DEBUG_SERVER_LOG ? (l: string) => console.error(`[server] ${l}`) : () => {},
  });
  return {
    ...server,
    dbPath,
    clock,
    store,
    stop: async () => {
      await server.close();
      await store.drop();
    },
  };
}

/**
 * Starts a test server again after `close()`, on the same port, database, clock and signing secret, so
 * desktops reconnect with the tokens they hold (the server was down for a while, not replaced).
 */
export async function reopenTestServer(
  closed: TestServer,
  opts: Pick<StartServerOptions, 'voice' | 'loginThrottle'> = {},
): Promise<TestServer> {
  const server = await startServer({
    loginThrottle: opts.loginThrottle,
    port: closed.port,
    dbPath: closed.dbPath,
    seed: 'none',
    jwtSecret: JWT_SECRET,
    pbxSecret: TEST_PBX_SECRET,
    voice: opts.voice,
    sla: NO_SLA_TIMER,
    now: () => closed.clock.now,
    log: () => {},
  });
  return {
    ...server,
    dbPath: closed.dbPath,
    clock: closed.clock,
    store: closed.store,
    stop: async () => {
      await server.close();
      await closed.store.drop();
    },
  };
}

/**
 * A second service node on the database of a running test server (same signing secret and clock), as a
 * second machine behind one address would be. Only PostgreSQL is made for several nodes; stop() stops this
 * node and leaves the database to the first server.
 */
export async function startSecondNode(first: TestServer): Promise<RunningServer & { url: string }> {
  return startServer({
    port: 0,
    dbPath: first.dbPath,
    seed: 'none',
    jwtSecret: JWT_SECRET,
    pbxSecret: TEST_PBX_SECRET,
    sla: NO_SLA_TIMER,
    now: () => first.clock.now,
    log: () => {},
  });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function login(
  baseUrl: string,
  username: string,
  password = 'switchboard',
): Promise<LoginResponse> {
  const res = await postJson(`${baseUrl}/api/auth/login`, { username, password });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${JSON.stringify(res.body)}`);
  return LoginResponse.parse(res.body);
}

/** Connects a raw socket.io client; rejects with the server's connect error. */
export function connectSocket(baseUrl: string, token: string | undefined): Promise<Socket> {
  const socket = connect(baseUrl, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function request<T>(socket: Socket, event: string, payload: unknown): Promise<Ack<T>> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack<T>>;
}

/** One push as a desktop sends it (from `deviceId` when given); its results, or an error if the push failed. */
export async function pushAll(socket: Socket, mutations: Mutation[], deviceId?: string) {
  const ack = await request<unknown>(socket, SocketEvents.push, {
    mutations,
    ...(deviceId === undefined ? {} : { deviceId }),
  });
  if (!ack.ok) throw new Error(`push failed: ${ack.error.code} ${ack.error.message}`);
  return PushResponse.parse(ack.data).results;
}

/** Pulls every page from `cursor`, validating each response with the shared schema. */
export async function pullAll(socket: Socket, cursor = 0): Promise<{ changes: Change[]; cursor: number }> {
  const changes: Change[] = [];
  for (;;) {
    const ack = await request<unknown>(socket, SocketEvents.pull, { cursor, limit: 1000 });
    if (!ack.ok) throw new Error(`pull failed: ${ack.error.message}`);
    const page = PullResponse.parse(ack.data);
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.hasMore) return { changes, cursor };
  }
}

/** Work on the server's database as the demo admin (admin actions the tests make while the server runs). */
export async function asAdmin<T>(dbPath: string, work: (db: Db, admin: User) => Promise<T>): Promise<T> {
  const db = openDatabase(dbPath);
  try {
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow();
    return await work(db, toUser(row));
  } finally {
    await db.destroy();
  }
}

import Database from 'better-sqlite3';
import type { EventName, EventPayload, MethodName, MethodOutput } from '../../../src/shared/ipc/contract';
import { createDesktopServices, type DesktopServices } from '../../../src/main/services';
import type { ConnectionFactory } from '../../../src/main/sync';
import type { CredentialVault } from '../../../src/main/vault';
import { NoVault } from '../../../src/main/vault';
import { startServer } from '../../../src/server/app';

export interface TestDesktop {
  services: DesktopServices;
  events: { event: EventName; payload: unknown }[];
  call<M extends MethodName>(method: M, input: unknown): Promise<MethodOutput<M>>;
  waitSynced(): Promise<void>;
}

/** A desktop as the renderer sees it: invoke + events, failing loudly on an error result. */
export function desktop(
  dataDir: string,
  opts: { vault?: CredentialVault; deviceId?: string; connect?: ConnectionFactory } = {},
): TestDesktop {
  const events: { event: EventName; payload: unknown }[] = [];
  const services = createDesktopServices({
    dataDir,
    deviceId: opts.deviceId ?? 'test-device',
    vault: opts.vault ?? new NoVault(),
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => events.push({ event, payload }),
    ...(opts.connect ? { connect: opts.connect } : {}),
  });
  const call = async <M extends MethodName>(method: M, input: unknown) => {
    const r = await services.invoke(method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.output as MethodOutput<M>;
  };
  return {
    services,
    events,
    call,
    async waitSynced() {
      await waitFor(async () => {
        const s = await call('sync.status', {});
        return s.state === 'online' && s.pending === 0;
      }, 'sync online with an empty outbox');
    },
  };
}

/** Signs the desktop in to the demo server as a demo user (every demo password is the same) and waits for its first sync. */
export async function signIn(
  d: TestDesktop,
  serverUrl: string,
  username: string,
  remember = false,
): Promise<void> {
  await d.call('auth.login', { serverUrl, username, password: 'switchboard', remember });
  await d.waitSynced();
}

export async function apiLogin(serverUrl: string, username: string) {
  const res = await fetch(`${serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'switchboard' }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return (await res.json()) as { accessToken: string; user: { id: string; departmentId: string | null } };
}

export async function serverTicket(serverUrl: string, token: string, id: string) {
  const res = await fetch(`${serverUrl}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`GET ticket ${id}: ${res.status}`);
  return (await res.json()) as {
    ticket: { status: string; priority: string; subject: string };
    comments: { id: string; body: string }[];
  };
}

/** Poll until true (usable in hooks, unlike expect.poll). */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 25_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The central service with the full demo data over the database at `dbPath`, on `port` (0: any free one), once
 * it answers: a test closes it for an outage and starts it again on the same port and file. The wait is for
 * fetch's kept connections to the server closed on this port: the first use of one fails and drops it.
 */
export async function startDemoServer(dbPath: string, port: number) {
  const server = await startServer({ port, dbPath, seed: 'demo', log: () => undefined });
  await waitFor(
    () =>
      fetch(`${server.url}/api/health`).then(
        () => true,
        () => false,
      ),
    'the restarted server to answer',
  );
  return server;
}

/** What an administrator does while the server is down: its SQLite database is the test's to change. */
export function sqlWhileDown(dbPath: string, sql: string, ...params: unknown[]): void {
  const db = new Database(dbPath);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** Rows of the server's SQLite database, read beside the running server. */
export function serverRows<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

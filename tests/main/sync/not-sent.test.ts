import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startServer } from '../../../src/server/app';
import { storePath } from '../../../src/main/services';
import { notSentPath } from '../../../src/main/store/not-sent';
import type { NotSentItem } from '../../../src/shared/ipc/contract';
import { EncryptorVault } from '../../../src/main/vault';
import { aesEncryptor, tempDir } from '../fixtures';
import {
  apiLogin,
  desktop,
  serverRows,
  serverTicket,
  sqlWhileDown,
  startDemoServer,
  waitFor,
  type TestDesktop,
} from './helpers';

/**
 * Unsent work is never destroyed by the system: what the server refuses, and what a disabled account's deleted
 * replica held, lands in the agent's not-sent list, through the real desktop services and the real server.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startServer>>;
let port = 0;
const dbPath = () => join(dir.path, 'server.sqlite');
const start = async () => {
  server = await startDemoServer(dbPath(), port);
  port = server.port;
};

/** What an administrator does while the agent is offline (the server is down, so its database is ours). */
const adminWhileDown = (sql: string, ...params: unknown[]) => sqlWhileDown(dbPath(), sql, ...params);

const signIn = (d: TestDesktop, username = 'agent01') =>
  d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });

const search = (d: TestDesktop, input: object) => d.call('tickets.search', { limit: 50, ...input });

async function goOffline(d: TestDesktop) {
  await server.close();
  await expect.poll(async () => (await d.call('sync.status', {})).state, { timeout: 10_000 }).toBe('offline');
}

/** Offline: an edit, a comment, a new ticket and a comment on it. Returns what was typed, to find it again. */
async function typeOffline(d: TestDesktop, tag: string) {
  // A customer the other department knows too (they have a ticket there), so a new ticket for them can be
  // retried in it after the agent moves (the retry files it under a customer the agent can see).
  const shared = new Set(
    serverRows<{ customer_id: string }>(
      dbPath(),
      'SELECT customer_id FROM tickets WHERE department_id = ?',
      dept.other,
    ).map((r) => r.customer_id),
  );
  const t = (await search(d, { status: ['new', 'open'], limit: 500 })).rows.find((r) =>
    shared.has(r.customerId),
  )!;
  const customerId = t.customerId;
  await d.call('tickets.update', { id: t.id, patch: { priority: t.priority === 'low' ? 'high' : 'low' } });
  await d.call('tickets.comment', { ticketId: t.id, body: `${tag}: 客户来电说明情况`, internal: false });
  const created = await d.call('tickets.create', { customerId, subject: `${tag}: new ticket` });
  await d.call('tickets.comment', {
    ticketId: created.id,
    body: `${tag}: note on the new ticket`,
    internal: true,
  });
  expect((await d.call('sync.status', {})).pending).toBe(4);
  return {
    ticketId: t.id,
    createdId: created.id,
    number: t.number,
    subject: t.subject,
    priority: t.priority,
  };
}

type Typed = Awaited<ReturnType<typeof typeOffline>>;

/** What typeOffline typed, set aside beside the deleted replica of a disabled account: all four, unanswered. */
function expectSetAside(replica: string, tag: string, t: Typed): void {
  const kept = listFile(replica);
  expect(kept.map((i) => i.kind).sort()).toEqual([
    'ticket.comment',
    'ticket.comment',
    'ticket.create',
    'ticket.update',
  ]);
  for (const i of kept) expect(i.code).toBe('account_disabled');
  expect(kept.find((i) => i.kind === 'ticket.comment' && i.ticket_id === t.ticketId)!.args).toContain(
    `${tag}: 客户来电说明情况`,
  );
  expect(kept.find((i) => i.kind === 'ticket.create')!.args).toContain(`${tag}: new ticket`);
}

/**
 * The account enabled again and the agent signed in: the server never answered what was set aside, so it goes
 * out again under its own ids, each change lands once, and the list is empty again.
 */
async function expectSentOnceAfterReenabling(d: TestDesktop, tag: string, t: Typed): Promise<void> {
  await server.close();
  adminWhileDown('UPDATE users SET disabled = 0 WHERE id = ?', agentId);
  await start();
  await signIn(d);
  await d.waitSynced();
  expect(await d.call('notSent.list', {})).toEqual([]);
  const token = (await apiLogin(server.url, 'agent01')).accessToken;
  const onServer = await serverTicket(server.url, token, t.ticketId);
  expect(onServer.comments.filter((c) => c.body === `${tag}: 客户来电说明情况`)).toHaveLength(1);
  expect(onServer.ticket.priority).toBe(t.priority === 'low' ? 'high' : 'low');
  const created = await serverTicket(server.url, token, t.createdId);
  expect(created.ticket.subject).toBe(`${tag}: new ticket`);
  expect(created.comments.map((c) => c.body)).toEqual([`${tag}: note on the new ticket`]);
}

const kinds = (items: NotSentItem[]) => items.map((i) => i.kind).sort();

/** The not-sent list as its file holds it, read while no desktop has it open (the replica beside it is gone). */
function listFile(replica: string): { kind: string; code: string; ticket_id: string | null; args: string }[] {
  const db = new Database(notSentPath(replica), { readonly: true });
  try {
    return db.prepare('SELECT kind, code, ticket_id, args FROM not_sent').all() as {
      kind: string;
      code: string;
      ticket_id: string | null;
      args: string;
    }[];
  } finally {
    db.close();
  }
}

let dept: { home: string; other: string };
let agentId: string;

beforeAll(async () => {
  dir = tempDir('sb-notsent-');
  await start();
  const login = await apiLogin(server.url, 'agent01');
  agentId = login.user.id;
  const others = serverRows<{ id: string }>(
    dbPath(),
    'SELECT id FROM departments WHERE id != ? ORDER BY code',
    login.user.departmentId,
  );
  dept = { home: login.user.departmentId!, other: others[0]!.id };
}, 120_000);

afterAll(async () => {
  await server?.close();
  dir?.remove();
});

describe('the not-sent list', () => {
  let a: TestDesktop;
  let typed: Awaited<ReturnType<typeof typeOffline>>;

  it('keeps every change refused after a department move while offline, with its reason', async () => {
    a = desktop(join(dir.path, 'move'));
    await signIn(a);
    await a.waitSynced();
    await goOffline(a);
    typed = await typeOffline(a, 'move');
    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', dept.other, agentId);
    await start();

    await waitFor(async () => (await a.call('notSent.list', {})).length === 4, 'four changes not sent');
    await a.waitSynced();
    const items = await a.call('notSent.list', {});
    expect(kinds(items)).toEqual(['ticket.comment', 'ticket.comment', 'ticket.create', 'ticket.update']);
    const byKind = (k: string, ticketId: string) =>
      items.find((i) => i.kind === k && i.ticketId === ticketId)!;
    // The department move emptied the replica before the refusals came; each still names its ticket and
    // shows the server's copy as this desktop last held it.
    expect(byKind('ticket.update', typed.ticketId)).toMatchObject({
      code: 'not_found',
      ticket: { number: typed.number, subject: typed.subject },
      current: { subject: typed.subject, priority: typed.priority },
    });
    expect(byKind('ticket.comment', typed.ticketId).ticket).toMatchObject({ number: typed.number });
    expect(byKind('ticket.comment', typed.ticketId)).toMatchObject({
      code: 'not_found',
      args: { body: 'move: 客户来电说明情况' },
    });
    expect(byKind('ticket.create', typed.createdId)).toMatchObject({
      args: { subject: 'move: new ticket' },
      ticket: { number: null, subject: 'move: new ticket' },
    });
    // The comment on the refused new ticket went with it, and says so.
    expect(byKind('ticket.comment', typed.createdId)).toMatchObject({
      code: 'parent_refused',
      args: { body: 'move: note on the new ticket' },
    });
    for (const i of items) expect(i.message.length).toBeGreaterThan(0);
    // The session says where the agent is now.
    await expect.poll(async () => (await a.call('session.get', {}))?.user.departmentId).toBe(dept.other);
    expect(a.events.some((e) => e.event === 'notSent.changed')).toBe(true);
    // Owner-only, and beside the replica, not in it.
    const file = notSentPath(storePath(join(dir.path, 'move'), server.url, agentId));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 90_000);

  it('sends a refused comment to a ticket in the new department, once', async () => {
    const items = await a.call('notSent.list', {});
    const comment = items.find((i) => i.kind === 'ticket.comment' && i.ticketId === typed.ticketId)!;
    const target = (await search(a, {})).rows[0]!;
    expect(target.departmentId).toBe(dept.other);
    await a.call('notSent.sendTo', { id: comment.id, ticketId: target.id });
    // A second click on a stale list cannot send it twice.
    const again = await a.services.invoke('notSent.sendTo', { id: comment.id, ticketId: target.id });
    expect(again.ok).toBe(false);
    await a.waitSynced();
    const onServer = await serverTicket(
      server.url,
      (await apiLogin(server.url, 'agent01')).accessToken,
      target.id,
    );
    expect(onServer.comments.filter((c) => c.body === 'move: 客户来电说明情况')).toHaveLength(1);
    expect((await a.call('notSent.list', {})).map((i) => i.id)).not.toContain(comment.id);
  }, 60_000);

  it('retries a refused new ticket as a new one in the department the agent is in now, with its comment', async () => {
    const items = await a.call('notSent.list', {});
    const item = items.find((i) => i.kind === 'ticket.create')!;
    const comment = items.find((i) => i.kind === 'ticket.comment' && i.ticketId === typed.createdId)!;
    expect(await a.call('notSent.retry', { id: item.id })).toEqual({
      retried: [item.id, comment.id],
      kept: [],
    });
    await a.waitSynced();
    const mine = await search(a, { text: 'move: new ticket' });
    expect(mine.rows).toHaveLength(1);
    expect(mine.rows[0]).toMatchObject({ departmentId: dept.other, syncState: 'synced' });
    expect(mine.rows[0]!.number).not.toBeNull();
    const onServer = await serverTicket(
      server.url,
      (await apiLogin(server.url, 'agent01')).accessToken,
      mine.rows[0]!.id,
    );
    expect(onServer.comments.map((c) => c.body)).toEqual(['move: note on the new ticket']);
    const left = (await a.call('notSent.list', {})).map((i) => i.id);
    expect(left).not.toContain(item.id);
    expect(left).not.toContain(comment.id);
  }, 60_000);

  it('dismisses only what the agent chose', async () => {
    const before = await a.call('notSent.list', {});
    expect(before.map((i) => i.kind)).toEqual(['ticket.update']);
    // An id the list does not hold (a stale screen) takes nothing else with it.
    await a.call('notSent.dismiss', { ids: [typed.createdId] });
    expect(await a.call('notSent.list', {})).toEqual(before);
    // Its ticket stayed in the old department: a retry says so and the edit stays, for the agent to choose.
    expect(await a.services.invoke('notSent.retry', { id: before[0]!.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/Copy your text/) },
    });
    expect(await a.call('notSent.list', {})).toEqual(before);
  });

  it('survives a restart of the desktop services and a sign-out', async () => {
    const before = await a.call('notSent.list', {});
    expect(before).toHaveLength(1);
    await a.call('auth.logout', {});
    await a.services.dispose();
    a = desktop(join(dir.path, 'move'));
    await signIn(a);
    expect(await a.call('notSent.list', {})).toEqual(before);
    await a.call('auth.logout', {});
    await a.services.dispose();
    // Keyed by user: another agent on this device sees none of it.
    const b = desktop(join(dir.path, 'move'));
    await b.call('auth.login', {
      serverUrl: server.url,
      username: 'agent02',
      password: 'switchboard',
      remember: false,
    });
    expect(await b.call('notSent.list', {})).toEqual([]);
    await b.services.dispose();
    // Back home for the next test.
    await server.close();
    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', dept.home, agentId);
    await start();
  }, 60_000);

  it('keeps the outbox of a replica deleted for a disabled account, and sends it once after re-enabling', async () => {
    const d = desktop(join(dir.path, 'disabled'));
    await signIn(d);
    await d.waitSynced();
    const replica = storePath(join(dir.path, 'disabled'), server.url, agentId);
    await goOffline(d);
    const t = await typeOffline(d, 'disabled');
    adminWhileDown('UPDATE users SET disabled = 1 WHERE id = ?', agentId);
    await start();
    await waitFor(async () => d.events.some((e) => e.event === 'session.ended'), 'the session to end');
    await waitFor(async () => !existsSync(replica), 'the replica to be deleted');
    // While the account is disabled, what the agent typed is in the not-sent list beside the deleted replica.
    expectSetAside(replica, 'disabled', t);
    await expectSentOnceAfterReenabling(d, 'disabled', t);
    await d.services.dispose();
  }, 90_000);

  it('keeps the outbox when a remembered session finds the account disabled at the next start, and sends it once after re-enabling', async () => {
    const data = join(dir.path, 'remembered');
    const vault = new EncryptorVault(aesEncryptor(), data);
    let d = desktop(data, { vault, deviceId: 'remembered-device' });
    await d.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: true,
    });
    await d.waitSynced();
    await goOffline(d);
    const t = await typeOffline(d, 'restart');
    // The desktop is closed during the outage, and the account is disabled meanwhile.
    await d.services.dispose();
    adminWhileDown('UPDATE users SET disabled = 1 WHERE id = ?', agentId);
    await start();
    d = desktop(data, { vault, deviceId: 'remembered-device' });
    expect(await d.call('auth.restore', {})).toBeNull();
    const replica = storePath(data, server.url, agentId);
    expect(existsSync(replica)).toBe(false);
    expectSetAside(replica, 'restart', t);
    await expectSentOnceAfterReenabling(d, 'restart', t);
    await d.services.dispose();
  }, 90_000);
});

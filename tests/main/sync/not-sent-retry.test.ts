import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startServer } from '../../../src/server/app';
import { storePath } from '../../../src/main/services';
import { notSentPath } from '../../../src/main/store/not-sent';
import type { NotSentItem } from '../../../src/shared/ipc/contract';
import { tempDir } from '../fixtures';
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
 * Retrying from the not-sent list, through the real desktop services and the real server: every kind the list
 * holds can be retried, a refused new ticket comes back with its comments and edits exactly once, and a call
 * record or its notes refused after a department move are recorded again in the department the agent is in.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startServer>>;
let port = 0;
const dbPath = () => join(dir.path, 'server.sqlite');
const start = async () => {
  server = await startDemoServer(dbPath(), port);
  port = server.port;
};

const adminWhileDown = (sql: string, ...params: unknown[]) => sqlWhileDown(dbPath(), sql, ...params);

const rowsOfServer = <T>(sql: string, ...params: unknown[]) => serverRows<T>(dbPath(), sql, ...params);

const iso = (s: number) => new Date(Date.UTC(2026, 0, 5, 9, 0, s)).toISOString();

let a: TestDesktop;
let agentId: string;
let dept: { home: string; other: string; third: string };
/** A queue of a department the agent never belongs to. */
let thirdQueue: string;
let colleague: string;
const token = async () => (await apiLogin(server.url, 'agent01')).accessToken;

const list = () => a.call('notSent.list', {});
const find = async (pred: (i: NotSentItem) => boolean) => (await list()).find(pred)!;

/** The call records of this agent on the server whose notes are these. */
const callsWithNotes = (notes: string) =>
  rowsOfServer<{ id: string; department_id: string; call_id: string; queue_number: string | null }>(
    'SELECT id, department_id, call_id, queue_number FROM interactions WHERE agent_id = ? AND notes = ?',
    agentId,
    notes,
  );

const typed = {
  subject: 'retry: printer on fire',
  comment: 'retry: 客户说打印机冒烟了',
  queuedCallNotes: 'retry: queued call, customer wants a callback',
  syncedCallNotes: 'retry: wrap-up of the synced call',
};
let syncedCallId = '';

beforeAll(async () => {
  dir = tempDir('sb-notsent-retry-');
  await start();
  const login = await apiLogin(server.url, 'agent01');
  agentId = login.user.id;
  const others = rowsOfServer<{ id: string }>(
    'SELECT id FROM departments WHERE id != ? ORDER BY code',
    login.user.departmentId,
  );
  dept = { home: login.user.departmentId!, other: others[0]!.id, third: others[1]!.id };
  thirdQueue = rowsOfServer<{ number: string }>(
    'SELECT number FROM queues WHERE department_id = ? ORDER BY number',
    dept.third,
  )[0]!.number;
  colleague = rowsOfServer<{ id: string }>(
    "SELECT id FROM users WHERE department_id = ? AND id != ? AND role = 'agent' AND disabled = 0 ORDER BY username",
    dept.home,
    agentId,
  )[0]!.id;
}, 120_000);

afterAll(async () => {
  await a?.services.dispose();
  await server?.close();
  dir?.remove();
});

describe('retrying from the not-sent list after a department move', () => {
  it('keeps a refused new ticket with its comment and edits, and call notes refused after the move', async () => {
    a = desktop(join(dir.path, 'retry'));
    await a.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: false,
    });
    await a.waitSynced();
    // A call recorded while online: on the server, in the home department.
    const synced = uuidv7();
    syncedCallId = `synced-${synced}`;
    await a.call('interactions.log', {
      interactionId: synced,
      callId: syncedCallId,
      direction: 'inbound',
      callerNumber: '+8613900000001',
      calleeNumber: '1001',
      queueNumber: null,
      ringAt: iso(0),
      answerAt: iso(3),
      endAt: iso(60),
      holdSeconds: 0,
    });
    await a.waitSynced();

    await server.close();
    await expect
      .poll(async () => (await a.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');
    // Offline: a new ticket with a comment and two edits (one naming a colleague of the home department).
    // A customer the department the agent moves to knows too, so the retried ticket can be filed under them.
    const shared = new Set(
      rowsOfServer<{ customer_id: string }>(
        'SELECT customer_id FROM tickets WHERE department_id = ?',
        dept.other,
      ).map((r) => r.customer_id),
    );
    const customerId = (await a.call('tickets.search', { limit: 500 })).rows.find((r) =>
      shared.has(r.customerId),
    )!.customerId;
    const created = await a.call('tickets.create', { customerId, subject: typed.subject });
    await a.call('tickets.comment', { ticketId: created.id, body: typed.comment, internal: false });
    await a.call('tickets.update', { id: created.id, patch: { priority: 'urgent' } });
    await a.call('tickets.update', { id: created.id, patch: { assigneeId: colleague } });
    // The wrap-up of the call the server has in the home department.
    await a.call('interactions.complete', {
      interactionId: synced,
      disposition: 'resolved',
      notes: typed.syncedCallNotes,
    });
    expect((await a.call('sync.status', {})).pending).toBe(5);

    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', dept.other, agentId);
    await start();
    await waitFor(async () => (await list()).length === 5, 'five changes not sent');
    await a.waitSynced();
    const items = await list();
    expect(items.map((i) => i.kind).sort()).toEqual([
      'interaction.complete',
      'ticket.comment',
      'ticket.create',
      'ticket.update',
      'ticket.update',
    ]);
    // The synced call left the replica with the department; the list still knows which call it was.
    const syncedNotes = items.find(
      (i) => i.kind === 'interaction.complete' && i.args.interactionId === synced,
    )!;
    expect(syncedNotes).toMatchObject({ code: 'not_found', call: { callId: syncedCallId, endAt: iso(60) } });
  }, 120_000);

  it('retrying a comment of the refused new ticket recreates the ticket with its comment and edits, once', async () => {
    const comment = await find((i) => i.kind === 'ticket.comment');
    const create = await find((i) => i.kind === 'ticket.create');
    const result = await a.call('notSent.retry', { id: comment.id });
    expect(result.retried).toHaveLength(3);
    expect(result.retried[0]).toBe(create.id);
    expect(result.retried).toContain(comment.id);
    // The colleague is in the department the agent left: that edit cannot go, and stays, on the new ticket.
    expect(result.kept).toHaveLength(1);
    // The same group again (the create, clicked on a stale list): nothing more is queued.
    expect((await a.services.invoke('notSent.retry', { id: create.id })).ok).toBe(false);
    await a.waitSynced();

    const found = await a.call('tickets.search', { text: typed.subject, limit: 10 });
    expect(found.rows).toHaveLength(1);
    const ticket = found.rows[0]!;
    expect(ticket).toMatchObject({ departmentId: dept.other, priority: 'urgent', syncState: 'synced' });
    const onServer = await serverTicket(server.url, await token(), ticket.id);
    expect(onServer.comments.filter((c) => c.body === typed.comment)).toHaveLength(1);
    expect(rowsOfServer('SELECT id FROM tickets WHERE subject = ?', typed.subject)).toHaveLength(1);

    const kept = (await list()).find((i) => i.id === result.kept[0])!;
    expect(kept).toMatchObject({
      kind: 'ticket.update',
      ticketId: ticket.id,
      args: { ticketId: ticket.id, patch: { assigneeId: colleague } },
      code: 'retry_refused',
      message: expect.stringMatching(/not in this ticket's department/),
    });
    // Retrying it alone now says why, and keeps it.
    const again = await a.services.invoke('notSent.retry', { id: kept.id });
    expect(again).toMatchObject({ ok: false, error: { message: expect.stringMatching(/department/) } });
    expect((await list()).map((i) => i.id)).toContain(kept.id);
    await a.call('notSent.dismiss', { ids: [kept.id] });
  }, 60_000);

  it('retrying the notes of a call that left with the old department records it again here, once', async () => {
    const notes = await find((i) => i.kind === 'interaction.complete');
    // Two clicks at once: one retry.
    const [first, second] = await Promise.all([
      a.services.invoke('notSent.retry', { id: notes.id }),
      a.services.invoke('notSent.retry', { id: notes.id }),
    ]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    await a.waitSynced();
    const records = callsWithNotes(typed.syncedCallNotes);
    expect(records).toHaveLength(1);
    expect(records[0]!.department_id).toBe(dept.other);
    expect(records[0]!.call_id.startsWith(syncedCallId)).toBe(true);
    // The old department's record of the call is untouched.
    expect(
      rowsOfServer<{ department_id: string; notes: string | null }>(
        'SELECT department_id, notes FROM interactions WHERE call_id = ?',
        syncedCallId,
      ),
    ).toEqual([{ department_id: dept.home, notes: null }]);
    expect(await list()).toEqual([]);
  }, 60_000);

  it('keeps the notes queued behind a refused call record, and retrying them offline records both here, once', async () => {
    await server.close();
    await expect
      .poll(async () => (await a.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');
    // A call on another department's queue (the desktop cannot know whose it is), and its wrap-up.
    const queued = uuidv7();
    await a.call('interactions.log', {
      interactionId: queued,
      callId: `queued-${queued}`,
      direction: 'inbound',
      callerNumber: '+8613900000002',
      calleeNumber: '1001',
      queueNumber: thirdQueue,
      ringAt: iso(100),
      answerAt: iso(104),
      endAt: iso(200),
      holdSeconds: 10,
    });
    await a.call('interactions.complete', {
      interactionId: queued,
      disposition: 'callback',
      notes: typed.queuedCallNotes,
    });
    await start();
    await waitFor(async () => (await list()).length === 2, 'the call record and its notes not sent');
    await a.waitSynced();
    // The refused record took its queued notes with it: they are kept beside it, not dropped.
    const log = await find((i) => i.kind === 'interaction.log');
    expect(log).toMatchObject({
      code: 'forbidden',
      args: { interactionId: queued, queueNumber: thirdQueue },
    });
    const notes = await find((i) => i.kind === 'interaction.complete');
    expect(notes).toMatchObject({ code: 'parent_refused', args: { notes: typed.queuedCallNotes } });

    await server.close();
    await expect
      .poll(async () => (await a.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');
    const result = await a.call('notSent.retry', { id: notes.id });
    expect(result).toEqual({ retried: [log.id, notes.id], kept: [] });
    expect((await a.call('sync.status', {})).pending).toBe(2);
    await start();
    await a.waitSynced();
    const records = callsWithNotes(typed.queuedCallNotes);
    expect(records).toHaveLength(1);
    // Recorded where the agent works, off the queue of a department they are not in.
    expect(records[0]).toMatchObject({ department_id: dept.other, queue_number: null });
    expect(await list()).toEqual([]);
  }, 90_000);
});

describe('retrying a refused new customer', () => {
  it('recreates the customer with its new ticket and that ticket’s comment, exactly once', async () => {
    // On its own: whatever an earlier test left in the list is not part of this group.
    const left = await list();
    if (left.length > 0) await a.call('notSent.dismiss', { ids: left.map((i) => i.id) });
    await server.close();
    await expect
      .poll(async () => (await a.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');
    const customer = await a.call('customers.create', {
      name: '重试客户 retry customer',
      phone: '139 0000 0077',
      region: 'CN',
      email: null,
      language: 'zh-CN',
      company: '',
    });
    const created = await a.call('tickets.create', {
      customerId: customer.id,
      subject: 'retry: customer ticket',
    });
    await a.call('tickets.comment', { ticketId: created.id, body: 'retry: 给新客户的备注', internal: true });
    // Taken out of every department meanwhile: there is nowhere to create a customer.
    adminWhileDown('UPDATE users SET department_id = NULL WHERE id = ?', agentId);
    await start();
    await waitFor(async () => (await list()).length === 3, 'the customer, its ticket and comment not sent');
    const items = await list();
    expect(items.find((i) => i.kind === 'customer.create')!.code).not.toBe('parent_refused');
    expect(
      items
        .filter((i) => i.code === 'parent_refused')
        .map((i) => i.kind)
        .sort(),
    ).toEqual(['ticket.comment', 'ticket.create']);

    await server.close();
    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', dept.other, agentId);
    await start();
    await waitFor(
      async () => (await a.call('session.get', {}))?.user.departmentId === dept.other,
      'a department again',
    );
    await a.waitSynced();
    // Retried from its comment, the deepest of the three: the whole group goes, parents first.
    const comment = items.find((i) => i.kind === 'ticket.comment')!;
    const result = await a.call('notSent.retry', { id: comment.id });
    expect(result.retried).toEqual([
      items.find((i) => i.kind === 'customer.create')!.id,
      items.find((i) => i.kind === 'ticket.create')!.id,
      comment.id,
    ]);
    await a.waitSynced();
    expect(rowsOfServer('SELECT id FROM customers WHERE name = ?', '重试客户 retry customer')).toHaveLength(
      1,
    );
    const tickets = rowsOfServer<{ id: string; customer_id: string; department_id: string }>(
      'SELECT id, customer_id, department_id FROM tickets WHERE subject = ?',
      'retry: customer ticket',
    );
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.department_id).toBe(dept.other);
    const onServer = await serverTicket(server.url, await token(), tickets[0]!.id);
    expect(onServer.comments.map((c) => c.body)).toEqual(['retry: 给新客户的备注']);
    expect(await list()).toEqual([]);
  }, 90_000);
});

describe('a retry cut off between the outbox and the list', () => {
  it('is not queued twice when the agent retries again', async () => {
    const body = 'retry: 中断后再试一次 once';
    const ticket = (await a.call('tickets.search', { limit: 1 })).rows[0]!;
    const home = (await a.call('session.get', {}))!.user.departmentId!;
    const away = home === dept.home ? dept.other : dept.home;
    await server.close();
    await expect
      .poll(async () => (await a.call('sync.status', {})).state, { timeout: 10_000 })
      .toBe('offline');
    await a.call('tickets.comment', { ticketId: ticket.id, body, internal: false });
    // Moved away and back while offline: the comment is refused once, and its ticket is here again.
    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', away, agentId);
    await start();
    await waitFor(async () => (await list()).length === 1, 'the comment not sent');
    await server.close();
    adminWhileDown('UPDATE users SET department_id = ? WHERE id = ?', home, agentId);
    await start();
    await waitFor(
      async () => (await a.call('session.get', {}))?.user.departmentId === home,
      'the home department again',
    );
    await a.waitSynced();
    const item = (await list())[0]!;

    // Another program holds the list's file: the retry is queued, but cannot leave the list.
    const lock = new Database(notSentPath(storePath(join(dir.path, 'retry'), server.url, agentId)));
    lock.exec('BEGIN IMMEDIATE');
    try {
      expect((await a.services.invoke('notSent.retry', { id: item.id })).ok).toBe(false);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    expect((await list()).map((i) => i.id)).toEqual([item.id]);
    // The agent retries again: the change already queued is the one that goes.
    await a.call('notSent.retry', { id: item.id });
    await a.waitSynced();
    const onServer = await serverTicket(server.url, await token(), ticket.id);
    expect(onServer.comments.filter((c) => c.body === body)).toHaveLength(1);
    expect(await list()).toEqual([]);
  }, 90_000);
});

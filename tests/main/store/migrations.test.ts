import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore } from '../../../src/main/store';
import { migrate } from '../../../src/main/store/migrate';
import { migrations, type Migration } from '../../../src/main/store/migrations';
import { v7 as uuidv7 } from 'uuid';
import { customer, DEPT_A, tempDir, ticket, up } from '../fixtures';

const dirs: ReturnType<typeof tempDir>[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

describe('migrations', () => {
  it('creates the replica schema with WAL, foreign keys and the FTS index', () => {
    const path = join(dir(), 'a.sqlite');
    const store = openStore(path);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const names = (
      db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index')").all() as { name: string }[]
    ).map((r) => r.name);
    for (const t of [
      'tickets',
      'customers',
      'comments',
      'history',
      'departments',
      'users',
      'outbox',
      'meta',
      'ticket_fts',
      'interactions',
      'interaction_aliases',
    ]) {
      expect(names).toContain(t);
    }
    expect(names).toContain('customers_phone');
    for (const index of ['interactions_customer', 'interactions_call', 'outbox_interaction']) {
      expect(names).toContain(index);
    }
    db.close();
  });

  it('reopening an up-to-date store changes nothing and keeps the data', () => {
    const path = join(dir(), 'a.sqlite');
    const s1 = openStore(path);
    s1.write.setMeta('cursor', '42');
    s1.close();
    const s2 = openStore(path);
    expect(s2.read.syncMeta().cursor).toBe(42);
    s2.close();
  });

  it('a failing migration rolls back as a whole and leaves user_version where it was', () => {
    const db = new Database(join(dir(), 'b.sqlite'));
    migrate(db, migrations);
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      up: (d) => {
        d.exec('CREATE TABLE half_done (x)');
        d.exec('THIS IS NOT SQL');
      },
    };
    expect(() => migrate(db, [...migrations, broken])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({
      n: 0,
    });
    db.close();
  });

  it('002 re-indexes tickets stored under 001 with facet tokens, so filtered text search finds them', () => {
    const path = join(dir(), 'v1.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 1));
    const insert = db.prepare(
      `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
         assignee_id, created_at, updated_at, version) VALUES (?, 1, ?, ?, ?, '', ?, 'normal', NULL, ?, ?, 1)`,
    );
    const at = '2026-01-01T00:00:00.000Z';
    insert.run(uuidv7(), DEPT_A, uuidv7(), 'Refund 退款未到账', 'open', at, at);
    insert.run(uuidv7(), DEPT_A, uuidv7(), 'Refund for order 7', 'closed', at, at);
    db.close();

    const store = openStore(path);
    const search = (status: ('open' | 'closed')[]) =>
      store.read.searchTickets({
        text: 'refund',
        status,
        priority: [],
        departmentIds: [DEPT_A],
        assignees: ['unassigned'],
        sort: null,
        offset: 0,
        limit: 10,
      });
    expect(search([]).total).toBe(2);
    expect(search(['open']).rows.map((r) => r.subject)).toEqual(['Refund 退款未到账']);
    store.close();
  });

  it('003 indexes customers stored under 002, so they can be found by name, email and phone', () => {
    const path = join(dir(), 'v2.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 2));
    const at = '2026-01-01T00:00:00.000Z';
    db.prepare(
      `INSERT INTO customers (id, name, phone, email, language, company, created_at, updated_at, version)
       VALUES (?, '欧阳娜娜', '+8613900139000', 'nana@example.cn', 'zh-CN', '绿野农场', ?, ?, 1)`,
    ).run(uuidv7(), at, at);
    db.close();

    const store = openStore(path);
    const names = (text: string) => store.read.searchCustomers(text, 10).rows.map((c) => c.name);
    expect(names('欧阳')).toEqual(['欧阳娜娜']);
    expect(names('农场')).toEqual(['欧阳娜娜']);
    expect(names('nana')).toEqual(['欧阳娜娜']);
    expect(names('13900139000')).toEqual(['欧阳娜娜']);
    expect(names('欧阳锋')).toEqual([]);
    store.close();
  });

  it('004 adds call records and keeps the changes queued under 003, in order, with their tickets pending', () => {
    const path = join(dir(), 'v3.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 3));
    const at = '2026-01-01T00:00:00.000Z';
    const ticketId = uuidv7();
    db.prepare(
      `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
         assignee_id, created_at, updated_at, version) VALUES (?, 7, ?, ?, 'Headset', '', 'open', 'high', NULL, ?, ?, 3)`,
    ).run(ticketId, DEPT_A, uuidv7(), at, at);
    const queue = db.prepare(
      `INSERT INTO outbox (seq, mutation_id, name, args, ticket_id, comment_id, created_at, attempts, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const update = { ticketId, patch: { priority: 'high' }, baseVersion: 3 };
    const note = { commentId: uuidv7(), ticketId, body: '稍后回电', internal: false };
    queue.run(4, uuidv7(), 'ticket.update', JSON.stringify(update), ticketId, null, at, 2, 'timeout');
    queue.run(9, uuidv7(), 'ticket.comment', JSON.stringify(note), ticketId, note.commentId, at, 0, null);
    db.close();

    const store = openStore(path);
    expect(
      store.read.outbox(10).map((e) => [e.seq, e.mutation.name, e.mutation.args, e.attempts, e.lastError]),
    ).toEqual([
      [4, 'ticket.update', update, 2, 'timeout'],
      [9, 'ticket.comment', note, 0, null],
    ]);
    expect(store.read.getTicketDetail(ticketId)?.ticket.syncState).toBe('pending');
    // A call logged now queues behind them.
    const interactionId = uuidv7();
    store.write.logCallLocally(
      {
        interactionId,
        callId: 'after-upgrade',
        direction: 'outbound',
        callerNumber: '1001',
        calleeNumber: '13800138000',
        queueNumber: null,
        ringAt: at,
        answerAt: null,
        endAt: at,
        holdSeconds: 0,
      },
      { departmentId: DEPT_A, agentId: uuidv7(), customerId: null },
      uuidv7(),
      at,
    );
    expect(store.read.outbox(10).map((e) => [e.seq, e.mutation.name])).toEqual([
      [4, 'ticket.update'],
      [9, 'ticket.comment'],
      [10, 'interaction.log'],
    ]);
    expect(store.read.getInteraction(interactionId)).toMatchObject({
      calleeNumber: '+8613800138000',
      status: 'abandoned',
      syncState: 'pending',
    });
    store.close();
  });

  it('005 keeps edits queued under 004, in order, and then queues customers, which name no ticket', () => {
    const path = join(dir(), 'v4.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 4));
    const at = '2026-01-01T00:00:00.000Z';
    const ticketId = uuidv7();
    db.prepare(
      `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
         assignee_id, created_at, updated_at, version) VALUES (?, 7, ?, ?, 'Queued', '', 'open', 'normal', NULL, ?, ?, 3)`,
    ).run(ticketId, DEPT_A, uuidv7(), at, at);
    const queue = db.prepare(
      `INSERT INTO outbox (mutation_id, name, args, ticket_id, comment_id, created_at) VALUES (?, 'ticket.update', ?, ?, NULL, ?)`,
    );
    const first = uuidv7();
    const second = uuidv7();
    queue.run(first, JSON.stringify({ ticketId, patch: { priority: 'high' }, baseVersion: 3 }), ticketId, at);
    queue.run(
      second,
      JSON.stringify({ ticketId, patch: { status: 'pending' }, baseVersion: 3 }),
      ticketId,
      at,
    );
    db.close();

    const store = openStore(path);
    expect(store.read.getTicketDetail(ticketId)!.ticket.syncState).toBe('pending');
    store.write.createCustomerLocally(
      {
        id: uuidv7(),
        name: 'New after 005',
        phone: null,
        email: null,
        language: 'en',
        company: null,
        createdAt: at,
        updatedAt: at,
        version: 0,
      },
      uuidv7(),
    );
    expect(store.read.outbox(10).map((e) => [e.mutation.id, e.mutation.name])).toEqual([
      [first, 'ticket.update'],
      [second, 'ticket.update'],
      [expect.any(String), 'customer.create'],
    ]);
    store.close();
  });

  it('006 keeps a refused value beside the server value on a store made under 005, until the ticket goes', () => {
    const path = join(dir(), 'v5.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 5));
    db.close();

    const store = openStore(path);
    const c = customer();
    const t = ticket(c.id, { priority: 'normal' });
    store.write.applyPage([up.customer(c), up.ticket(t)], 10, 10, new Date().toISOString());
    const mutationId = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'high' }, mutationId, new Date().toISOString());
    store.write.markRejected(mutationId, [
      {
        field: 'priority',
        theirs: 'normal',
        changedById: null,
        changedByName: 'Li Na',
        changedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    const detail = store.read.getTicketDetail(t.id)!;
    expect(detail.ticket).toMatchObject({ priority: 'normal', syncState: 'conflict' });
    expect(detail.conflicts).toEqual([
      expect.objectContaining({ field: 'priority', mine: 'high', theirs: 'normal' }),
    ]);
    store.write.applyPage(
      [{ version: 11, kind: 'ticket', op: 'remove', id: t.id }],
      11,
      11,
      new Date().toISOString(),
    );
    store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM ticket_conflicts').get()).toEqual({ n: 0 });
    raw.close();
  });

  it('refuses a database written by a newer version instead of damaging it', () => {
    const path = join(dir(), 'c.sqlite');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStore(path)).toThrow(/newer Switchboard/);
  });
});

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type LocalStore } from '../../../src/main/store';
import { NotSentStore, notSentPath } from '../../../src/main/store/not-sent';
import { comment, customer, tempDir, ticket, up } from '../fixtures';

/**
 * The replica hands each refused change to the not-sent list in the transaction that takes it off the outbox:
 * if keeping it fails, it stays queued, so there is no moment where the agent's words are in neither.
 */
let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let notSent: NotSentStore;
const c = customer({ name: 'Not Sent Customer' });
const t = ticket(c.id, { subject: 'Printer jam', status: 'open', priority: 'normal', version: 4 });
const now = () => new Date().toISOString();

beforeEach(() => {
  dir = tempDir();
  const path = join(dir.path, 'u.sqlite');
  store = openStore(path);
  store.write.applyPage([...up.directory(), up.customer(c), up.ticket(t)], 10, 10, now());
  notSent = new NotSentStore(notSentPath(path));
  store.write.keepRefused = (items) => notSent.keep(items);
});
afterEach(() => {
  store.close();
  notSent.close();
  dir.remove();
});

describe('refusals into the not-sent list', () => {
  it('keeps a refused edit with the server copy as it stood, and undoes it locally', () => {
    const id = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'urgent' }, id, now());
    store.write.markRejected(id, [], { code: 'not_found', message: 'No such ticket in your department.' });
    expect(store.read.pendingCount()).toBe(0);
    expect(notSent.list()).toEqual([
      expect.objectContaining({
        id,
        kind: 'ticket.update',
        args: expect.objectContaining({ patch: { priority: 'urgent' } }),
        code: 'not_found',
        ticket: { number: t.number, subject: 'Printer jam' },
        current: {
          subject: 'Printer jam',
          status: 'open',
          priority: 'normal',
          assigneeId: t.assigneeId,
          version: 4,
        },
      }),
    ]);
  });

  it('keeps a refused new customer with its new ticket and that ticket’s comment', () => {
    const fresh = customer({ name: '新客户', version: 0 });
    const customerMutation = uuidv7();
    store.write.createCustomerLocally(fresh, customerMutation);
    const nt = ticket(fresh.id, { subject: '新工单', number: null, version: 0 });
    store.write.createTicketLocally(nt, null, uuidv7());
    store.write.addCommentLocally(comment(nt.id, '第一次回访'), uuidv7());
    store.write.markRejected(customerMutation, [], { code: 'forbidden', message: 'Not yours.' });
    expect(store.read.pendingCount()).toBe(0);
    const items = notSent.list();
    expect(items.map((i) => [i.kind, i.code]).sort()).toEqual([
      ['customer.create', 'forbidden'],
      ['ticket.comment', 'parent_refused'],
      ['ticket.create', 'parent_refused'],
    ]);
    expect(items.find((i) => i.kind === 'ticket.comment')!.args.body).toBe('第一次回访');
  });

  it('leaves the change queued when it cannot be kept', () => {
    const id = uuidv7();
    store.write.addCommentLocally(comment(t.id, 'must not vanish'), id);
    store.write.keepRefused = () => {
      throw new Error('disk full');
    };
    expect(() => store.write.markRejected(id, [], { code: 'not_found', message: 'gone' })).toThrow(
      /disk full/,
    );
    expect(store.read.outbox(10).map((e) => e.mutation.id)).toEqual([id]);
    expect(notSent.count()).toBe(0);
  });

  it('sets the whole outbox aside before a replica is deleted', () => {
    store.write.updateTicketLocally(t.id, { status: 'pending' }, uuidv7(), now());
    store.write.addCommentLocally(comment(t.id, 'kept for the agent'), uuidv7());
    expect(store.write.setAsideOutbox({ code: 'account_disabled', message: 'disabled' })).toBe(2);
    expect(store.read.pendingCount()).toBe(0);
    expect(
      notSent
        .list()
        .map((i) => [i.kind, i.code])
        .sort(),
    ).toEqual([
      ['ticket.comment', 'account_disabled'],
      ['ticket.update', 'account_disabled'],
    ]);
  });

  it('keeps what a list written by the previous version held when this version opens it', () => {
    const path = join(dir.path, 'old.not-sent.sqlite');
    const old = new Database(path);
    // The list as the first version wrote it (schema 1: no call column).
    old.exec(`CREATE TABLE not_sent (id TEXT PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL, ticket_id TEXT,
      customer_id TEXT, ticket TEXT, typed_at TEXT NOT NULL, refused_at TEXT NOT NULL, code TEXT NOT NULL,
      message TEXT NOT NULL, current TEXT)`);
    old
      .prepare('INSERT INTO not_sent VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, NULL)')
      .run(
        uuidv7(),
        'ticket.comment',
        JSON.stringify({ ticketId: t.id, body: '旧版本的评论' }),
        t.id,
        now(),
        now(),
        'not_found',
        'gone',
      );
    old.pragma('user_version = 1');
    old.close();
    const upgraded = new NotSentStore(path);
    try {
      expect(upgraded.list()).toEqual([
        expect.objectContaining({
          kind: 'ticket.comment',
          args: { ticketId: t.id, body: '旧版本的评论' },
          call: null,
        }),
      ]);
      // And it takes the new kind of entry beside the old one.
      upgraded.keep([{ ...upgraded.list()[0]!, id: uuidv7(), call: null }]);
      expect(upgraded.count()).toBe(2);
    } finally {
      upgraded.close();
    }
  });
});

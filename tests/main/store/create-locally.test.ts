import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore, type ResolvedTicketQuery } from '../../../src/main/store';
import type { Change } from '../../../src/shared/protocol/sync';
import { AGENT_A1, comment, customer, DEPT_A, tempDir, ticket, ticketQuery, up } from '../fixtures';

let dir: ReturnType<typeof tempDir>;
let path: string;
let store: LocalStore;
const now = () => new Date().toISOString();
const known = customer({ name: '张伟', phone: '+8613800138000' });

const search = (text: string, over: Partial<ResolvedTicketQuery> = {}) =>
  store.read.searchTickets(ticketQuery({ text, limit: 20, ...over }));

/** A ticket as the desktop makes it: no number, version 0. */
const provisional = (customerId: string, subject: string) =>
  ticket(customerId, { number: null, version: 0, subject, status: 'new', assigneeId: AGENT_A1 });

beforeEach(() => {
  dir = tempDir();
  path = join(dir.path, 'c.sqlite');
  store = openStore(path);
  store.write.applyPage([...up.directory(), up.customer(known)], 10, 10, now());
});
afterEach(() => {
  store.close();
  dir.remove();
});

describe('creating locally', () => {
  it('makes a customer and a ticket searchable at once, queued in order, and keeps them across a restart', () => {
    const c = customer({ name: '欧阳娜娜', phone: '+8613900139000', company: '绿野农场', version: 0 });
    store.write.createCustomerLocally(c, uuidv7());
    const t = provisional(c.id, '打印机卡纸 printer jam');
    store.write.createTicketLocally(t, null, uuidv7());
    store.close();
    store = openStore(path);

    expect(store.read.searchCustomers('农场', 10).rows.map((x) => x.id)).toEqual([c.id]);
    expect(store.read.searchCustomers('13900139000', 10).rows.map((x) => x.id)).toEqual([c.id]);
    expect(store.read.findCustomerByPhone('+8613900139000')?.id).toBe(c.id);
    for (const text of ['卡纸', 'printer', '欧阳']) {
      expect(search(text).rows.map((r) => [r.id, r.number, r.syncState, r.customerName])).toEqual([
        [t.id, null, 'pending', '欧阳娜娜'],
      ]);
    }
    // Filters see it too (facets are indexed with it).
    expect(search('printer', { status: ['new'], assignees: [AGENT_A1], departmentIds: [DEPT_A] }).total).toBe(
      1,
    );
    expect(store.read.getCustomerDetail(c.id)!.tickets.map((r) => r.id)).toEqual([t.id]);
    expect(store.read.outbox(10).map((e) => [e.mutation.name, e.mutation.args])).toEqual([
      ['customer.create', expect.objectContaining({ customerId: c.id, phone: '+8613900139000' })],
      [
        'ticket.create',
        expect.objectContaining({
          ticketId: t.id,
          customerId: c.id,
          departmentId: DEPT_A,
          interactionId: null,
        }),
      ],
    ]);
    expect(store.read.pendingCount()).toBe(2);
  });

  it('takes the server copy, with its number, in place of the provisional ticket', () => {
    const t = provisional(known.id, 'Headset crackles');
    const mid = uuidv7();
    store.write.createTicketLocally(t, null, mid);
    store.write.markApplied([mid]);
    store.write.applyPage([up.ticket({ ...t, number: 4711, version: 12 })], 12, 12, now());
    expect(store.read.getTicketDetail(t.id)!.ticket).toMatchObject({ number: 4711, syncState: 'synced' });
    expect(search('4711').rows.map((r) => r.id)).toEqual([t.id]);
    expect(search('crackles').total).toBe(1);
  });

  it('drops a refused ticket with what was queued on it', () => {
    const t = provisional(known.id, 'Refused one');
    const mid = uuidv7();
    store.write.createTicketLocally(t, null, mid);
    store.write.addCommentLocally(comment(t.id, 'note on a ticket that never was'), uuidv7());
    expect(store.read.pendingCount()).toBe(2);
    expect(store.write.markRejected(mid)).toEqual({
      ticketIds: [t.id],
      customerIds: [known.id],
      interactionIds: [],
    });
    expect(store.read.getTicketDetail(t.id)).toBeNull();
    expect(search('refused').total).toBe(0);
    expect(search('never').total).toBe(0);
    expect(store.read.pendingCount()).toBe(0);
    expect(store.read.getCustomer(known.id)).not.toBeNull();
  });

  it('drops a refused customer with its tickets, leaving other queued work alone', () => {
    const other = ticket(known.id, { subject: 'Untouched' });
    store.write.applyPage([up.ticket(other)], 11, 11, now());
    const c = customer({ name: 'Never Was', phone: '+14155550199', version: 0 });
    const mid = uuidv7();
    store.write.createCustomerLocally(c, mid);
    const t = provisional(c.id, 'Ticket of a refused customer');
    store.write.createTicketLocally(t, null, uuidv7());
    store.write.updateTicketLocally(other.id, { priority: 'urgent' }, uuidv7(), now());

    expect(store.write.markRejected(mid)).toEqual({
      ticketIds: [t.id],
      customerIds: [c.id],
      interactionIds: [],
    });
    expect(store.read.getCustomer(c.id)).toBeNull();
    expect(store.read.searchCustomers('never', 10).total).toBe(0);
    expect(store.read.getTicketDetail(t.id)).toBeNull();
    expect(store.read.outbox(10).map((e) => e.mutation.name)).toEqual(['ticket.update']);
    expect(store.read.getTicket(other.id)!.priority).toBe('urgent');
  });

  it('moves the tickets of a merged customer to the one that stays and drops the provisional row', () => {
    const mine = customer({ name: 'Typed by me', phone: '+8613700137000', version: 0 });
    store.write.createCustomerLocally(mine, uuidv7());
    const t = provisional(mine.id, 'Filed under a duplicate');
    store.write.createTicketLocally(t, null, uuidv7());
    // A later edit keeps the provisional copy aside; undoing it must not bring the duplicate back.
    const edit = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'high' }, edit, now());
    const existing = customer({ name: '王芳', phone: '+8613700137000', version: 20 });
    const merge: Change = { version: 21, kind: 'customer', op: 'merge', id: mine.id, into: existing.id };

    const touched = store.write.applyPage([up.customer(existing), merge], 21, 21, now());
    expect(touched.customerIds).toEqual(expect.arrayContaining([mine.id, existing.id]));
    expect(touched.ticketIds).toContain(t.id);
    expect(store.read.getTicket(t.id)!.customerId).toBe(existing.id);
    expect(store.read.searchCustomers('13700137000', 10).rows.map((c) => c.id)).toEqual([existing.id]);
    expect(search('王芳').rows.map((r) => r.id)).toEqual([t.id]);
    expect(search('typed').total).toBe(0);
    // A screen still holding the old id finds the customer who stayed.
    expect(store.read.getCustomerDetail(mine.id)).toMatchObject({
      customer: { id: existing.id, name: '王芳' },
      tickets: [expect.objectContaining({ id: t.id })],
    });
    store.write.markRejected(edit);
    expect(store.read.getTicket(t.id)!.customerId).toBe(existing.id);
  });

  it('ignores a merge of a customer it never had', () => {
    const merge: Change = { version: 30, kind: 'customer', op: 'merge', id: uuidv7(), into: known.id };
    store.write.applyPage([merge], 30, 30, now());
    expect(store.read.getCustomer(known.id)).toMatchObject({ name: '张伟' });
    expect(store.read.syncMeta().cursor).toBe(30);
  });
});

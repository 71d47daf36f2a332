import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import { comment, customer, tempDir, ticket, up } from '../fixtures';

let dir: ReturnType<typeof tempDir>;
let path: string;
let store: LocalStore;
const c = customer({ name: 'Outbox Customer' });
const t = ticket(c.id, { subject: 'Broken headset', status: 'open', priority: 'normal', version: 5 });
const now = () => new Date().toISOString();

beforeEach(() => {
  dir = tempDir();
  path = join(dir.path, 'o.sqlite');
  store = openStore(path);
  store.write.applyPage([...up.directory(), up.customer(c), up.ticket(t)], 10, 10, now());
});
afterEach(() => {
  store.close();
  dir.remove();
});

describe('outbox', () => {
  it('keeps an edit and its queued mutation across a restart without syncing', () => {
    const mid = uuidv7();
    store.write.updateTicketLocally(t.id, { status: 'pending' }, mid, now());
    const note = comment(t.id, '客户稍后回电');
    store.write.addCommentLocally(note, uuidv7());
    store.close();

    store = openStore(path);
    const detail = store.read.getTicketDetail(t.id)!;
    expect(detail.ticket.status).toBe('pending');
    expect(detail.ticket.syncState).toBe('pending');
    expect(detail.comments.map((x) => [x.body, x.syncState])).toEqual([['客户稍后回电', 'pending']]);
    const queued = store.read.outbox(10);
    expect(queued.map((e) => e.mutation.name)).toEqual(['ticket.update', 'ticket.comment']);
    expect(queued[0]!.mutation).toMatchObject({
      id: mid,
      args: { ticketId: t.id, patch: { status: 'pending' }, baseVersion: 5 },
    });
    expect(store.read.pendingCount()).toBe(2);
    // The new comment is searchable at once.
    expect(
      store.read.searchTickets({
        text: '回电',
        status: [],
        priority: [],
        departmentIds: [],
        assignees: [],
        sort: null,
        offset: 0,
        limit: 10,
      }).total,
    ).toBe(1);
  });

  it('lays unsent edits over a newer server copy of the ticket', () => {
    store.write.updateTicketLocally(t.id, { priority: 'urgent' }, uuidv7(), now());
    // Meanwhile a colleague changed the subject and status on the server.
    store.write.applyPage(
      [up.ticket({ ...t, subject: 'Broken headset (left ear)', status: 'pending', version: 9 })],
      11,
      11,
      now(),
    );
    const row = store.read.getTicket(t.id)!;
    expect(row).toMatchObject({
      subject: 'Broken headset (left ear)',
      status: 'pending',
      priority: 'urgent',
      version: 9,
    });
  });

  it('undoes a rejected edit back to the server copy, keeping other pending edits', () => {
    const rejected = uuidv7();
    store.write.updateTicketLocally(t.id, { status: 'solved' }, rejected, now());
    store.write.updateTicketLocally(t.id, { priority: 'high' }, uuidv7(), now());
    store.write.markRejected(rejected);
    const row = store.read.getTicketDetail(t.id)!.ticket;
    expect(row).toMatchObject({ status: 'open', priority: 'high', syncState: 'pending' });
    expect(store.read.pendingCount()).toBe(1);
  });

  it('removes a rejected comment and forgets applied mutations', () => {
    const note = comment(t.id, 'never mind');
    const mid = uuidv7();
    store.write.addCommentLocally(note, mid);
    store.write.markRejected(mid);
    expect(store.read.getTicketDetail(t.id)!.comments).toEqual([]);

    const edit = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'low' }, edit, now());
    store.write.markApplied([edit]);
    expect(store.read.getTicketDetail(t.id)!.ticket).toMatchObject({ priority: 'low', syncState: 'synced' });
    expect(store.read.pendingCount()).toBe(0);
  });

  // Found by the sync simulation (tests/sim): the server accepts an edit that changes nothing without a new
  // version, so no change ever came to replace the row the desktop had stamped with its own updatedAt.
  it('returns to the server copy when an applied edit made no new version', () => {
    const edit = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'normal' }, edit, now());
    expect(store.read.getTicket(t.id)!.updatedAt).not.toBe(t.updatedAt);
    store.write.markApplied([edit], new Map([[edit, t.version]]));
    expect(store.read.getTicket(t.id)).toEqual(t);
  });

  it('keeps the edited row when the applied edit made a version still to be pulled', () => {
    const edit = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'low' }, edit, now());
    store.write.markApplied([edit], new Map([[edit, t.version + 3]]));
    expect(store.read.getTicketDetail(t.id)!.ticket).toMatchObject({ priority: 'low', syncState: 'synced' });
  });

  it('drops a ticket that left the scope with its comments and index rows', () => {
    store.write.applyPage([up.comment(comment(t.id, 'headset serial 42'))], 12, 12, now());
    store.write.applyPage([up.remove(t.id)], 13, 13, now());
    expect(store.read.getTicketDetail(t.id)).toBeNull();
    const hits = store.read.searchTickets({
      text: 'headset',
      status: [],
      priority: [],
      departmentIds: [],
      assignees: [],
      sort: null,
      offset: 0,
      limit: 10,
    });
    expect(hits.total).toBe(0);
    expect(store.read.syncMeta().cursor).toBe(13);
  });
});

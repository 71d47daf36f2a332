// Linked tickets (parent/child, related) and merge, through the sync socket as desktops send them: links stored
// and pulled with their history, the reverse related link kept on the other ticket (its department pulls it),
// a parent below the ticket refused, another department's ticket refused as if absent; a merge closes the
// source pointing to the target, the target keeps the customer's words in an internal note, the source keeps
// its history, the merge is audited, and a second merge says where the ticket went.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isUnsolved,
  type Change,
  type LoginResponse,
  type Mutation,
  type Ticket,
  type TicketChange,
  type TicketComment,
  type TicketHistoryEntry,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, login, pullAll, pushAll, startTestServer, type TestServer } from './helpers';
import { auditRecords } from './audit-wait';

let server: TestServer;
let wang: LoginResponse; // agent01, after-sales
let liu: LoginResponse; // agent05, technical support
let wangSocket: Socket;
let liuSocket: Socket;

/** One replica as a desktop keeps it: what a user's pulls brought. */
class Replica {
  tickets = new Map<string, Ticket>();
  history: TicketHistoryEntry[] = [];
  comments: TicketComment[] = [];
  cursor = 0;
  constructor(readonly socket: () => Socket) {}
  async refresh() {
    const page = await pullAll(this.socket(), this.cursor);
    this.cursor = page.cursor;
    for (const c of page.changes as Change[]) {
      if (c.kind === 'ticket' && c.op === 'upsert') this.tickets.set(c.data.id, c.data);
      if (c.kind === 'ticket' && c.op === 'remove') this.tickets.delete(c.id);
      if (c.kind === 'history' && c.op === 'upsert') this.history.push(c.data);
      if (c.kind === 'comment' && c.op === 'upsert') this.comments.push(c.data);
    }
  }
  historyOf(id: string, field: string) {
    return this.history.filter((h) => h.ticketId === id && h.field === field);
  }
}
const mine = new Replica(() => wangSocket);
const theirs = new Replica(() => liuSocket);

beforeAll(async () => {
  server = await startTestServer({ tickets: 80, customers: 30 });
  wang = await login(server.url, 'agent01');
  liu = await login(server.url, 'agent05');
  wangSocket = await connectSocket(server.url, wang.accessToken);
  liuSocket = await connectSocket(server.url, liu.accessToken);
  await mine.refresh();
  await theirs.refresh();
});
afterAll(async () => {
  wangSocket?.close();
  liuSocket?.close();
  await server?.stop();
});

const used = new Set<string>();
function pick(r: Replica = mine): Ticket {
  const t = [...r.tickets.values()].find((x) => isUnsolved(x.status) && !used.has(x.id))!;
  used.add(t.id);
  return t;
}
const update = (t: Ticket, patch: TicketChange, reason?: string): Mutation => ({
  id: randomUUID(),
  name: 'ticket.update',
  args: { ticketId: t.id, patch, baseVersion: t.version, ...(reason ? { reason } : {}) },
});
const push = (m: Mutation[], socket = wangSocket) => pushAll(socket, m, 'desk-links-01');
const current = (t: Ticket, r: Replica = mine) => r.tickets.get(t.id)!;

describe('parent and child', () => {
  it('is stored, pulled and in the history; a parent below the ticket is refused', async () => {
    const [top, middle, bottom] = [pick(), pick(), pick()];
    const results = await push([
      update(middle, { parentId: top.id }),
      update(bottom, { parentId: middle.id }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    await mine.refresh();
    expect(current(middle).parentId).toBe(top.id);
    expect(current(bottom).parentId).toBe(middle.id);
    expect(mine.historyOf(middle.id, 'parentId').at(-1)).toMatchObject({ from: null, to: top.id });

    // top under bottom would make a loop: top > middle > bottom > top.
    const [cycle, self] = await push([
      update(current(top), { parentId: bottom.id }),
      update(current(top), { parentId: top.id }),
    ]);
    expect(cycle).toMatchObject({ status: 'rejected', error: { code: 'bad_request' } });
    expect(cycle!.error!.message).toContain(`#${bottom.number} is below this ticket`);
    expect(self).toMatchObject({ status: 'rejected', error: { code: 'bad_request' } });
    await mine.refresh();
    expect(current(top).parentId).toBeNull();

    // Cleared like any field.
    const [cleared] = await push([update(current(bottom), { parentId: null })]);
    expect(cleared!.status).toBe('applied');
    await mine.refresh();
    expect(current(bottom).parentId).toBeNull();
  });

  it('refuses another department’s ticket as parent exactly as a missing one', async () => {
    const t = pick();
    const elsewhere = pick(theirs);
    const [other, missing] = await push([
      update(t, { parentId: elsewhere.id }),
      update(t, { parentId: randomUUID() }),
    ]);
    expect(other).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    expect(other!.error!.message).toBe(missing!.error!.message);
  });
});

describe('related', () => {
  it('is kept on both tickets, each with its history, and removed from both', async () => {
    const [a, b, c] = [pick(), pick(), pick()];
    const [r] = await push([update(a, { relatedIds: [c.id, b.id, b.id] })]);
    expect(r!.status).toBe('applied');
    await mine.refresh();
    expect(current(a).relatedIds).toEqual([b.id, c.id].sort());
    expect(current(b).relatedIds).toEqual([a.id]);
    expect(current(c).relatedIds).toEqual([a.id]);
    expect(mine.historyOf(b.id, 'relatedIds').at(-1)).toMatchObject({
      from: '[]',
      to: JSON.stringify([a.id]),
    });
    // The other ticket's own change: a new version, so replicas that already had it pull it again.
    expect(current(b).version).toBeGreaterThan(b.version);

    const [removed] = await push([update(current(a), { relatedIds: [c.id] })]);
    expect(removed!.status).toBe('applied');
    await mine.refresh();
    expect(current(a).relatedIds).toEqual([c.id]);
    expect(current(b).relatedIds).toEqual([]);
    expect(current(c).relatedIds).toEqual([a.id]);
  });

  it('refuses another department’s ticket as absent and changes nothing there', async () => {
    const t = pick();
    const elsewhere = pick(theirs);
    const [r] = await push([update(t, { relatedIds: [elsewhere.id] })]);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    await theirs.refresh();
    expect(current(elsewhere, theirs).relatedIds).toEqual([]);
    expect(theirs.historyOf(elsewhere.id, 'relatedIds')).toEqual([]);
  });
});

describe('merge', () => {
  it('closes the source pointing to the target, which keeps the customer’s words; the source keeps its history', async () => {
    const [source, target] = [pick(), pick()];
    const reply = `客户补充：订单号 A-${Math.floor(Math.random() * 1e6)}，屏幕有裂痕`;
    const note = `内部备注 ${randomUUID()}`;
    const comment = (body: string, internal: boolean): Mutation => ({
      id: randomUUID(),
      name: 'ticket.comment',
      args: { commentId: randomUUID(), ticketId: source.id, body, internal },
    });
    expect((await push([comment(reply, false), comment(note, true)])).map((r) => r.status)).toEqual([
      'applied',
      'applied',
    ]);
    await mine.refresh();
    const historyBefore = mine.history.filter((h) => h.ticketId === source.id).map((h) => h.id);

    const [merged] = await push([update(current(source), { mergedInto: target.id }, '同一客户重复报修')]);
    expect(merged!.status).toBe('applied');
    await mine.refresh();
    expect(current(source)).toMatchObject({ mergedInto: target.id, status: 'closed' });
    expect(mine.historyOf(source.id, 'mergedInto').at(-1)).toMatchObject({
      to: target.id,
      note: '同一客户重复报修',
    });
    expect(mine.historyOf(target.id, 'mergedFrom').at(-1)).toMatchObject({ to: source.id });

    const onTarget = mine.comments.filter((c) => c.ticketId === target.id && c.internal);
    const words = onTarget.find((c) => c.body.includes(`Ticket #${source.number}`))!;
    expect(words.body).toContain(`«${source.subject}» was merged into this ticket`);
    expect(words.body).toContain(reply);
    if (source.description.trim()) expect(words.body).toContain(source.description.trim());
    // Only what the customer saw: the source's internal notes stay on the source.
    expect(words.body).not.toContain(note);
    const onSource = mine.comments.filter((c) => c.ticketId === source.id);
    expect(onSource.some((c) => c.internal && c.body.includes(`merged into #${target.number}`))).toBe(true);
    expect(onSource.some((c) => c.body === reply)).toBe(true);
    const historyAfter = new Set(mine.history.filter((h) => h.ticketId === source.id).map((h) => h.id));
    expect(historyBefore.every((id) => historyAfter.has(id))).toBe(true);

    const db = openDatabase(server.dbPath);
    try {
      const audit = (await auditRecords(db, { action: 'ticket.merge' })).find(
        (a) => a.subject_id === source.id,
      )!;
      expect(JSON.parse(audit.detail)).toMatchObject({
        targetId: target.id,
        after: { mergedInto: target.id },
      });
    } finally {
      await db.destroy();
    }

    // Again, into another ticket: refused, saying where it went.
    const other = pick();
    const [again] = await push([update(current(source), { mergedInto: other.id })]);
    expect(again).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect(again!.error!.message).toContain(`already merged into #${target.number} «${target.subject}»`);
  });

  it('refuses a closed or merged target, itself, and another department’s ticket as absent', async () => {
    const [a, b, c] = [pick(), pick(), pick()];
    expect((await push([update(a, { status: 'closed' })]))[0]!.status).toBe('applied');
    const [intoClosed, intoSelf, intoOther] = await push([
      update(b, { mergedInto: a.id }),
      update(b, { mergedInto: b.id }),
      update(b, { mergedInto: pick(theirs).id }),
    ]);
    expect(intoClosed).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect(intoClosed!.error!.message).toContain('is closed');
    expect(intoSelf!.status).toBe('rejected');
    expect(intoOther).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    // c merged into b; then merging into c (itself merged away) is refused.
    expect((await push([update(c, { mergedInto: b.id })]))[0]!.status).toBe('applied');
    await mine.refresh();
    const [intoMerged] = await push([update(current(a), { mergedInto: c.id })]);
    expect(intoMerged!.status).toBe('rejected');
    await mine.refresh();
    expect(current(b)).toMatchObject({ mergedInto: null });
  });
});

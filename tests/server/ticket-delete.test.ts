// Deleting a ticket (ticket.delete over the sync socket, DELETE /api/tickets/:id): a supervisor of the ticket's
// department deletes it; every replica that holds it gets a `remove`, a fresh replica never receives it nor its
// comments and history, GET says it was deleted, and the audit record keeps the whole ticket as `before`. An
// agent without the right and another department's supervisor are refused on every path, a change made since
// the supervisor's version refuses it as a conflict, later changes to it are refused saying it was deleted, and
// tickets linked to it keep working. Solved tickets deleted are not auto-closed, and have no SLA check due.
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
  type User,
} from '../../src/shared';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { toUser } from '../../src/server/directory/directory-store';
import { applyPush } from '../../src/server/sync/push';
import { closeSolvedTickets } from '../../src/server/tickets/auto-close';
import { untilChained } from './audit-wait';
import {
  connectSocket,
  login,
  pullAll,
  pushAll,
  scratchDb,
  startTestServer,
  type TestServer,
} from './helpers';

let server: TestServer;
let sun: LoginResponse; // super01, after-sales supervisor
let zhang: LoginResponse; // super02, technical support supervisor
let wang: LoginResponse; // agent01, after-sales
let li: LoginResponse; // agent02, after-sales
const sockets: Socket[] = [];

/** A replica as a desktop keeps it, filled by pulls from its cursor. */
class Replica {
  tickets = new Map<string, Ticket>();
  comments = new Map<string, string>();
  history = new Map<string, string>();
  removes: string[] = [];
  cursor = 0;
  constructor(readonly socket: Socket) {}
  async refresh() {
    const page = await pullAll(this.socket, this.cursor);
    this.cursor = page.cursor;
    for (const c of page.changes as Change[]) {
      if (c.kind === 'ticket' && c.op === 'upsert') this.tickets.set(c.data.id, c.data);
      if (c.kind === 'ticket' && c.op === 'remove') {
        this.removes.push(c.id);
        this.tickets.delete(c.id);
      }
      if (c.kind === 'comment' && c.op === 'upsert') this.comments.set(c.data.id, c.data.ticketId);
      if (c.kind === 'history' && c.op === 'upsert') this.history.set(c.data.id, c.data.ticketId);
    }
    return this;
  }
}

async function open(session: LoginResponse): Promise<Socket> {
  const s = await connectSocket(server.url, session.accessToken);
  sockets.push(s);
  return s;
}

let sunSocket: Socket;
let wangSocket: Socket;
let liReplica: Replica;

beforeAll(async () => {
  server = await startTestServer({ tickets: 100, customers: 30 });
  [sun, zhang, wang, li] = await Promise.all([
    login(server.url, 'super01'),
    login(server.url, 'super02'),
    login(server.url, 'agent01'),
    login(server.url, 'agent02'),
  ]);
  sunSocket = await open(sun);
  wangSocket = await open(wang);
  liReplica = await new Replica(await open(li)).refresh();
});
afterAll(async () => {
  while (sockets.length) sockets.pop()!.close();
  await server?.stop();
});

const used = new Set<string>();
/** A ticket of the after-sales replica not used by another test, with at least one comment when asked. */
function pick(withComment = false): Ticket {
  const commented = new Set(liReplica.comments.values());
  const t = [...liReplica.tickets.values()].find(
    (x) => isUnsolved(x.status) && !used.has(x.id) && (!withComment || commented.has(x.id)),
  )!;
  used.add(t.id);
  return t;
}

const del = (t: Pick<Ticket, 'id' | 'version'>, reason?: string): Mutation => ({
  id: randomUUID(),
  name: 'ticket.delete',
  args: { ticketId: t.id, baseVersion: t.version, ...(reason ? { reason } : {}) },
});
const update = (t: Ticket, patch: TicketChange): Mutation => ({
  id: randomUUID(),
  name: 'ticket.update',
  args: { ticketId: t.id, patch, baseVersion: t.version },
});
const push = (socket: Socket, m: Mutation[]) => pushAll(socket, m, 'desk-delete-01');

async function getTicket(session: LoginResponse, id: string) {
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${session.accessToken}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function restDelete(session: LoginResponse, id: string, body: unknown) {
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a supervisor deletes a ticket', () => {
  it('takes it out of every replica, GET and a fresh sync, keeps it in the database and audits it whole', async () => {
    const ticket = pick(true);
    const commentIds = [...liReplica.comments].filter(([, t]) => t === ticket.id).map(([id]) => id);
    expect(commentIds.length).toBeGreaterThan(0);

    const [r] = await push(sunSocket, [del(ticket, 'Opened twice by mistake')]);
    expect(r).toMatchObject({ status: 'applied' });

    // Another agent's replica, synced before, is told to drop it.
    await liReplica.refresh();
    expect(liReplica.removes).toContain(ticket.id);
    expect(liReplica.tickets.has(ticket.id)).toBe(false);

    // A replica built now never receives it, its comments or its history.
    const fresh = await new Replica(await open(wang)).refresh();
    expect(fresh.tickets.has(ticket.id)).toBe(false);
    expect([...fresh.comments.values()]).not.toContain(ticket.id);
    expect([...fresh.history.values()]).not.toContain(ticket.id);
    expect(fresh.tickets.size).toBeGreaterThan(0);

    // Gone from GET, for the agent and for the supervisor: said to be deleted, nothing of it sent.
    for (const who of [wang, sun]) {
      const res = await getTicket(who, ticket.id);
      expect(res.status).toBe(410);
      expect(res.body).toMatchObject({ code: 'deleted' });
      expect(res.body.ticket).toBeUndefined();
      expect(String(res.body.message)).toContain(`#${ticket.number}`);
    }

    const db = openDatabase(server.dbPath);
    try {
      // Kept for the auditors: the row (marked), its comments.
      const row = await db
        .selectFrom('tickets')
        .select(['deleted_at', 'deleted_by', 'subject'])
        .where('id', '=', ticket.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ deleted_by: sun.user.id, subject: ticket.subject });
      expect(row.deleted_at).not.toBeNull();
      const comments = await db
        .selectFrom('ticket_comments')
        .select('id')
        .where('ticket_id', '=', ticket.id)
        .execute();
      expect(comments.map((c) => c.id).sort()).toEqual([...commentIds].sort());

      await untilChained(db);
      const audit = await db
        .selectFrom('audit_log')
        .select(['actor_id', 'detail'])
        .where('action', '=', 'ticket.delete.applied')
        .where('subject_id', '=', ticket.id)
        .executeTakeFirstOrThrow();
      expect(audit.actor_id).toBe(sun.user.id);
      const detail = JSON.parse(audit.detail) as { before: Ticket; reason: string };
      expect(detail.reason).toBe('Opened twice by mistake');
      expect(detail.before).toEqual(ticket);
    } finally {
      await db.destroy();
    }
  });

  it('deletes through REST too, and a retried request is answered as the first', async () => {
    const ticket = pick();
    const mutationId = randomUUID();
    const first = await restDelete(sun, ticket.id, { baseVersion: ticket.version, mutationId });
    expect(first.status).toBe(200);
    const again = await restDelete(sun, ticket.id, { baseVersion: ticket.version, mutationId });
    expect(again).toEqual(first);
    expect((await getTicket(wang, ticket.id)).status).toBe(410);
    await liReplica.refresh();
    expect(liReplica.tickets.has(ticket.id)).toBe(false);
  });
});

describe('who may not delete', () => {
  it('refuses an agent without the right, on the socket and on REST', async () => {
    const ticket = pick();
    const [r] = await push(wangSocket, [del(ticket)]);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    expect(r!.error!.message).toContain('may not delete tickets');
    const rest = await restDelete(wang, ticket.id, { baseVersion: ticket.version });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'forbidden' });
    expect((await getTicket(wang, ticket.id)).status).toBe(200);
  });

  it('refuses another department’s supervisor as if the ticket did not exist', async () => {
    const ticket = pick();
    const [r] = await push(await open(zhang), [del(ticket)]);
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    const rest = await restDelete(zhang, ticket.id, { baseVersion: ticket.version });
    expect(rest.status).toBe(404);
    expect((await getTicket(wang, ticket.id)).status).toBe(200);
  });

  it('refuses a delete made on a version someone changed since, then takes one on the new version', async () => {
    const ticket = pick();
    const next = ticket.priority === 'urgent' ? 'low' : 'urgent';
    const [u] = await push(wangSocket, [update(ticket, { priority: next })]);
    expect(u).toMatchObject({ status: 'applied' });
    const [stale] = await push(sunSocket, [del(ticket)]);
    expect(stale).toMatchObject({ status: 'rejected', error: { code: 'conflict' } });
    expect(stale!.error!.message).toContain('changed priority');
    expect((await getTicket(wang, ticket.id)).status).toBe(200);

    const [ok] = await push(sunSocket, [del({ id: ticket.id, version: u!.version! })]);
    expect(ok).toMatchObject({ status: 'applied' });
  });

  it('takes a ticket made and deleted on one desktop before it was ever sent, in one push', async () => {
    const made = pick();
    const ticketId = randomUUID();
    const results = await push(sunSocket, [
      {
        id: randomUUID(),
        name: 'ticket.create',
        args: {
          ticketId,
          customerId: made.customerId,
          departmentId: made.departmentId,
          subject: 'Opened by mistake',
          description: '',
          status: 'new',
          priority: 'normal',
          assigneeId: null,
          createdAt: new Date().toISOString(),
          interactionId: null,
          channel: 'phone',
        },
      },
      {
        id: randomUUID(),
        name: 'ticket.comment',
        args: { commentId: randomUUID(), ticketId, body: '打错了', internal: true },
      },
      del({ id: ticketId, version: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await getTicket(sun, ticketId)).status).toBe(410);
  });

  it('refuses later changes to a deleted ticket saying it was deleted', async () => {
    const ticket = pick();
    await push(sunSocket, [del(ticket)]);
    const results = await push(wangSocket, [
      update(ticket, { tags: ['late'] }),
      {
        id: randomUUID(),
        name: 'ticket.comment',
        args: { commentId: randomUUID(), ticketId: ticket.id, body: 'still here?', internal: false },
      },
    ]);
    const [again] = await push(sunSocket, [del(ticket)]);
    for (const r of [...results, again!]) {
      expect(r).toMatchObject({ status: 'rejected', error: { code: 'deleted' } });
      expect(r.error!.message).toContain(`Ticket #${ticket.number} was deleted by 孙丽`);
    }
  });
});

describe('tickets linked to a deleted one', () => {
  it('lose the parent and related links, keep a merge, and read as before', async () => {
    const [deleted, related, child, merged] = [pick(), pick(), pick(), pick()];
    const links = await push(wangSocket, [
      update(related, { relatedIds: [deleted.id] }),
      update(child, { parentId: deleted.id }),
      update(merged, { mergedInto: deleted.id, status: 'closed' }),
    ]);
    expect(links.every((r) => r.status === 'applied')).toBe(true);
    await liReplica.refresh();
    const base = liReplica.tickets.get(deleted.id)!;
    expect(base.relatedIds).toContain(related.id);

    const [r] = await push(sunSocket, [del(base)]);
    expect(r).toMatchObject({ status: 'applied' });
    await liReplica.refresh();
    expect(liReplica.tickets.get(related.id)!.relatedIds).not.toContain(deleted.id);
    expect(liReplica.tickets.get(child.id)!.parentId).toBeNull();
    expect(liReplica.tickets.get(merged.id)!.mergedInto).toBe(deleted.id);

    for (const t of [related, child, merged]) {
      const res = await getTicket(wang, t.id);
      expect(res.status).toBe(200);
      expect((res.body.ticket as Ticket).id).toBe(t.id);
    }
    // The ticket that lost the link can be changed as any other.
    const [edit] = await push(wangSocket, [
      update(liReplica.tickets.get(related.id)!, { tags: ['after-delete'] }),
    ]);
    expect(edit).toMatchObject({ status: 'applied' });
  });
});

describe('the service’s own work leaves deleted tickets alone', () => {
  let db: Db;
  let close: () => Promise<void>;
  let supervisor: User;
  beforeAll(async () => {
    ({ db, close } = await scratchDb());
    await migrateToLatest(db);
    await seedDemo(db, { tickets: 60, customers: 20 });
    supervisor = toUser(
      await db.selectFrom('users').selectAll().where('username', '=', 'super01').executeTakeFirstOrThrow(),
    );
  });
  afterAll(async () => close?.());

  it('neither auto-closes a deleted solved ticket nor keeps an SLA check due on it', async () => {
    const [t] = await db
      .selectFrom('tickets')
      .selectAll()
      .where('department_id', '=', supervisor.departmentId!)
      .where('status', 'in', ['new', 'open'])
      .limit(1)
      .execute();
    const at = new Date();
    // Solved and deleted in one push: the solve names the ticket for an SLA refresh, the delete wins.
    const { results } = await applyPush(
      db,
      supervisor,
      [
        {
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId: t!.id, patch: { status: 'solved' }, baseVersion: t!.version },
        },
        { id: randomUUID(), name: 'ticket.delete', args: { ticketId: t!.id, baseVersion: t!.version } },
      ],
      () => at,
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    await closeSolvedTickets(db, new Date(at.getTime() + 30 * 86_400_000), 7);
    const row = await db
      .selectFrom('tickets')
      .select(['status', 'deleted_at', 'sla_next_check_ms'])
      .where('id', '=', t!.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'solved', sla_next_check_ms: null });
    expect(row.deleted_at).not.toBeNull();
  });
});

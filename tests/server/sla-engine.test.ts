// The service's SLA engine (src/server/sla): every push keeps a ticket's sla_due_ms / sla_state /
// sla_next_check_ms right; the sweeper fires each warning and breach once (sla_events), audits it, alerts the
// people a notify rule names on their sockets and applies the policy's escalations as real, synced ticket
// changes; an admin's policy edit recomputes the tickets it affects. Times are business hours of the demo's
// mainland-China calendar (Mon-Fri 09:00-12:00 and 13:00-18:00, Asia/Shanghai), on the server's test clock.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_REST,
  AdminConfig,
  CONFIG_REST,
  SlaAlert,
  SlaSocketEvents,
  SocketEvents,
  type Change,
  type SlaPolicyInput,
  type TicketPriority,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { recomputeSla } from '../../src/server/sla/recompute';
import type { Db } from '../../src/server/db/schema';
import {
  connectSocket,
  login,
  postJson,
  pullAll,
  pushAll,
  request,
  startSecondNode,
  startTestServer,
  TEST_DIALECT,
  type TestServer,
} from './helpers';

/** Tuesday 2026-12-08 10:00 in Shanghai: a working day, well clear of holidays. */
const at = (shanghaiTime: string) => new Date(`2026-12-08T${shanghaiTime}:00+08:00`);
const T0 = at('10:00');

let server: TestServer;
let db: Db;
let adminToken: string;
let departments: Map<string, string>;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({
    tickets: 60,
    customers: 30,
    // Tokens outlive the clock's jumps (hours) so sockets stay signed in.
    accessTokenTtlSeconds: 30 * 86_400,
    // Only this file's tickets are open: the demo's would fire their own events.
    prepare: async (d) => {
      await d.updateTable('tickets').set({ status: 'closed' }).execute();
    },
  });
  server.clock.now = T0;
  db = openDatabase(server.dbPath);
  adminToken = (await login(server.url, 'admin')).accessToken;
  departments = new Map(
    (await db.selectFrom('departments').select(['id', 'code']).execute()).map((d) => [d.code, d.id]),
  );
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await db?.destroy();
  await server?.stop();
});

const dept = (code: string) => departments.get(code)!;

async function config(token = adminToken): Promise<AdminConfig> {
  const res = await fetch(`${server.url}${CONFIG_REST}`, { headers: { authorization: `Bearer ${token}` } });
  return AdminConfig.parse(await res.json());
}

/** Changes the demo policy of one department, priority and channel through the admin API. */
async function editPolicy(
  code: string,
  priority: TicketPriority,
  channel: 'phone' | 'chat' | 'email' | 'web',
  change: Partial<SlaPolicyInput>,
): Promise<string> {
  const p = (await config()).slaPolicies.find(
    (x) => x.departmentId === dept(code) && x.priority === priority && x.channel === channel,
  )!;
  const { id, ...input } = p;
  const res = await postJson(
    `${server.url}${ADMIN_REST.slaPolicy(id)}`,
    { ...input, ...change },
    {
      authorization: `Bearer ${adminToken}`,
    },
  );
  expect(res.status).toBe(200);
  return id;
}

async function signIn(username: string, url = server.url) {
  const r = await login(url, username);
  const socket = await connectSocket(url, r.accessToken);
  sockets.push(socket);
  const alerts: SlaAlert[] = [];
  socket.on(SlaSocketEvents.alert, (a: unknown) => alerts.push(SlaAlert.parse(a)));
  return { socket, user: r.user, alerts };
}

async function agentOf(code: string) {
  const row = await db
    .selectFrom('users')
    .select('username')
    .where('department_id', '=', dept(code))
    .where('role', '=', 'agent')
    .orderBy('username')
    .executeTakeFirstOrThrow();
  return signIn(row.username);
}

/** A new ticket filed now (the server's clock) by the signed-in agent; returns its id. */
async function fileTicket(
  socket: Socket,
  code: string,
  priority: TicketPriority,
  channel: 'phone' | 'chat' | 'email' | 'web',
): Promise<string> {
  const customer = await db
    .selectFrom('tickets')
    .select('customer_id')
    .where('department_id', '=', dept(code))
    .executeTakeFirstOrThrow();
  const ticketId = randomUUID();
  const [r] = await pushAll(socket, [
    {
      id: randomUUID(),
      name: 'ticket.create',
      args: {
        ticketId,
        customerId: customer.customer_id,
        departmentId: dept(code),
        subject: `SLA test ${priority} ${channel}`,
        description: '',
        status: 'new',
        priority,
        assigneeId: null,
        createdAt: server.clock.now.toISOString(),
        interactionId: null,
        channel,
      },
    },
  ]);
  expect(r!.status).toBe('applied');
  return ticketId;
}

async function setStatus(socket: Socket, ticketId: string, status: 'pending' | 'open') {
  const t = await ticketRow(ticketId);
  const [r] = await pushAll(socket, [
    {
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId, patch: { status }, baseVersion: t.version },
    },
  ]);
  expect(r!.status).toBe('applied');
}

const ticketRow = (id: string) =>
  db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const events = (id: string) =>
  db.selectFrom('sla_events').selectAll().where('ticket_id', '=', id).orderBy('at').execute();

/** Audit records of a ticket with this action, chained or still pending. */
async function audits(ticketId: string, action: string) {
  // One statement over both tables: the chainer moves records from pending to the log at any moment, and two
  // reads could see one record in both (PostgreSQL did).
  const rows = await db
    .selectFrom('audit_pending')
    .select(['action', 'detail'])
    .where('subject_id', '=', ticketId)
    .unionAll(db.selectFrom('audit_log').select(['action', 'detail']).where('subject_id', '=', ticketId))
    .execute();
  return rows.filter((r) => r.action === action).map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

/** The last change of one ticket in a pull. */
const lastOf = (changes: Change[], ticketId: string) =>
  changes.filter((c) => c.kind === 'ticket' && (c.op === 'upsert' ? c.data.id : c.id) === ticketId).at(-1);

/** A round trip on the socket: what the server sent it before this answer has arrived. */
const roundTrip = (socket: Socket) => request(socket, SocketEvents.pull, { cursor: 0, limit: 1 });

describe('SLA sweeps and escalations', () => {
  it('fires a first-response breach once: audited, the supervisor alerted, the priority raised once', async () => {
    server.clock.now = T0;
    await editPolicy('aftersales', 'normal', 'phone', {
      firstResponseMinutes: 90,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      escalations: [
        {
          on: 'breach',
          target: 'firstResponse',
          action: { kind: 'notify', who: 'supervisors', userId: null },
        },
        { on: 'breach', target: 'firstResponse', action: { kind: 'raisePriority' } },
      ],
    });
    await server.sla.idle();
    const agent = await agentOf('aftersales');
    const supervisor = await signIn('super01');
    const other = await signIn('super02');
    const id = await fileTicket(agent.socket, 'aftersales', 'normal', 'phone');
    // 90 business minutes from 10:00: due 11:30, warned at 80 % (11:12).
    expect(await ticketRow(id)).toMatchObject({
      sla_due_ms: at('11:30').getTime(),
      sla_state: 'running',
      sla_next_check_ms: at('11:12').getTime(),
    });

    server.clock.now = at('11:15');
    await server.sla.sweep();
    expect((await events(id)).map((e) => e.kind)).toEqual(['warning']);
    expect(await audits(id, 'sla.warning')).toHaveLength(1);
    expect((await ticketRow(id)).priority).toBe('normal');

    server.clock.now = at('11:31');
    await server.sla.sweep();
    await roundTrip(supervisor.socket);
    const breach = (await events(id)).filter((e) => e.kind === 'breach' && e.carried === 0);
    expect(breach).toMatchObject([{ target: 'firstResponse', due_at: at('11:30').toISOString() }]);
    const records = await audits(id, 'sla.breach');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actorName: 'SLA', target: 'firstResponse' });
    expect(supervisor.alerts.filter((a) => a.ticketId === id)).toEqual([
      expect.objectContaining({
        kind: 'breach',
        target: 'firstResponse',
        dueAt: at('11:30').toISOString(),
        source: 'service',
        subject: 'SLA test normal phone',
      }),
    ]);
    // The other department's supervisor is not told of a ticket they cannot see.
    await roundTrip(other.socket);
    expect(other.alerts.filter((a) => a.ticketId === id)).toEqual([]);
    const raised = await ticketRow(id);
    expect(raised.priority).toBe('high');

    // Under the demo's high policy (60 minutes: due 11:00, and a notify rule for any breach) the first response
    // is overdue too: that lateness was escalated already, and is recorded as carried, not escalated again.
    expect((await events(id)).filter((e) => e.carried === 1)).toMatchObject([
      { target: 'firstResponse', kind: 'breach', due_at: at('11:00').toISOString() },
    ]);
    for (const t of ['11:45', '14:00', '17:00']) {
      server.clock.now = at(t);
      await server.sla.sweep();
    }
    expect((await ticketRow(id)).priority).toBe('high');
    expect((await audits(id, 'sla.breach')).filter((r) => r['target'] === 'firstResponse')).toHaveLength(1);
    const history = await db
      .selectFrom('ticket_history')
      .selectAll()
      .where('ticket_id', '=', id)
      .where('field', '=', 'priority')
      .execute();
    expect(history).toMatchObject([
      { from_value: 'normal', to_value: 'high', actor_id: null, actor_name: 'SLA' },
    ]);
    expect(history[0]!.note).toMatch(/first response breach: escalation rule 2/);

    // The agent's replica gets the raised priority by sync.
    const { changes } = await pullAll(agent.socket);
    expect(lastOf(changes, id)).toMatchObject({ op: 'upsert', data: { priority: 'high' } });
  });

  it('does not breach while pending customer, and breaches after it resumes, later by the pause', async () => {
    server.clock.now = T0;
    await editPolicy('tech', 'normal', 'phone', {
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      escalations: [
        { on: 'breach', target: null, action: { kind: 'notify', who: 'supervisors', userId: null } },
      ],
    });
    await server.sla.idle();
    const agent = await agentOf('tech');
    const id = await fileTicket(agent.socket, 'tech', 'normal', 'phone');
    server.clock.now = at('10:20');
    await setStatus(agent.socket, id, 'pending');
    expect(await ticketRow(id)).toMatchObject({ sla_state: 'paused', sla_next_check_ms: null });

    // Past the unpaused due time (11:00): nothing fires while the customer is awaited.
    server.clock.now = at('11:30');
    await server.sla.sweep();
    expect(await events(id)).toEqual([]);

    // Resumed at 11:30 with 40 minutes left: 30 before lunch, 10 after it; the warning (at 48 minutes) at 11:58.
    await setStatus(agent.socket, id, 'open');
    expect(await ticketRow(id)).toMatchObject({
      sla_due_ms: at('13:10').getTime(),
      sla_state: 'running',
      sla_next_check_ms: at('11:58').getTime(),
    });
    server.clock.now = at('12:59');
    await server.sla.sweep();
    expect((await events(id)).filter((e) => e.kind === 'breach')).toEqual([]);
    server.clock.now = new Date(at('13:10').getTime() + 1);
    await server.sla.sweep();
    expect((await events(id)).filter((e) => e.kind === 'breach')).toMatchObject([
      { target: 'firstResponse', due_at: at('13:10').toISOString() },
    ]);
    expect(await audits(id, 'sla.breach')).toHaveLength(1);
  });

  it('recomputes the due time of the tickets a policy covers when an admin edits it', async () => {
    server.clock.now = T0;
    await editPolicy('aftersales', 'low', 'email', {
      firstResponseMinutes: 30,
      nextResponseMinutes: null,
      resolutionMinutes: null,
    });
    await server.sla.idle();
    const agent = await agentOf('aftersales');
    const id = await fileTicket(agent.socket, 'aftersales', 'low', 'email');
    const untouched = await fileTicket(agent.socket, 'aftersales', 'low', 'web');
    const before = await ticketRow(untouched);
    expect((await ticketRow(id)).sla_due_ms).toBe(at('10:30').getTime());

    await editPolicy('aftersales', 'low', 'email', { firstResponseMinutes: 240 });
    await server.sla.idle();
    // Four business hours from 10:00: 10-12 and 13-15.
    expect(await ticketRow(id)).toMatchObject({
      sla_due_ms: at('15:00').getTime(),
      sla_next_check_ms: at('10:00').getTime() + 0.8 * 240 * 60_000 + 60 * 60_000,
    });
    expect((await ticketRow(untouched)).sla_due_ms).toBe(before.sla_due_ms);
  });

  it('keeps the warnings and breaches already fired through a recompute', async () => {
    server.clock.now = T0;
    await editPolicy('aftersales', 'low', 'email', {
      firstResponseMinutes: 240,
      nextResponseMinutes: null,
      resolutionMinutes: null,
    });
    await server.sla.idle();
    const agent = await agentOf('aftersales');
    // Filed at 10:00:00.123: the instants kept for fired events carry milliseconds.
    server.clock.now = new Date(T0.getTime() + 123);
    const id = await fileTicket(agent.socket, 'aftersales', 'low', 'email');
    const due = at('15:00').getTime() + 123;
    // Due 15:00 (10-12, 13-15); the warning at 80% of it, 14:12.
    server.clock.now = at('14:30');
    await server.sla.sweep();
    expect((await events(id)).map((e) => e.kind)).toEqual(['warning']);
    expect((await ticketRow(id)).sla_next_check_ms).toBe(due + 1);

    // Another policy's edit recomputes every unsolved ticket, this one too.
    await editPolicy('aftersales', 'low', 'web', { firstResponseMinutes: 90 });
    await server.sla.idle();
    expect(await ticketRow(id)).toMatchObject({
      sla_due_ms: due,
      sla_state: 'warning',
      sla_next_check_ms: due + 1,
    });
    await server.sla.sweep();
    expect((await events(id)).map((e) => e.kind)).toEqual(['warning']);
  });

  it('counts a public reply as the first response, not an internal note', async () => {
    server.clock.now = T0;
    await editPolicy('tech', 'low', 'phone', {
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: null,
    });
    await server.sla.idle();
    const agent = await agentOf('tech');
    const id = await fileTicket(agent.socket, 'tech', 'low', 'phone');
    const comment = (internal: boolean) =>
      pushAll(agent.socket, [
        {
          id: randomUUID(),
          name: 'ticket.comment',
          args: { ticketId: id, commentId: randomUUID(), body: 'Looking into it', internal },
        },
      ]);
    server.clock.now = at('10:30');
    await comment(true);
    expect(await ticketRow(id)).toMatchObject({
      sla_state: 'running',
      sla_due_ms: at('11:00').getTime(),
    });
    server.clock.now = at('10:40');
    await comment(false);
    expect(await ticketRow(id)).toMatchObject({
      sla_state: 'met',
      sla_due_ms: null,
      sla_next_check_ms: null,
    });
    server.clock.now = at('12:00');
    await server.sla.sweep();
    expect(await events(id)).toEqual([]);
  });

  it('reassigns and moves tickets by escalation rule, as changes every replica pulls', async () => {
    server.clock.now = T0;
    const agent = await agentOf('aftersales');
    const colleague = await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('department_id', '=', dept('aftersales'))
      .where('role', '=', 'agent')
      .where('id', '<>', agent.user.id)
      .orderBy('username')
      .executeTakeFirstOrThrow();
    await editPolicy('aftersales', 'high', 'chat', {
      firstResponseMinutes: 30,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      escalations: [{ on: 'breach', target: null, action: { kind: 'reassign', userId: colleague.id } }],
    });
    await editPolicy('aftersales', 'urgent', 'chat', {
      firstResponseMinutes: 30,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      escalations: [
        { on: 'breach', target: null, action: { kind: 'moveDepartment', departmentId: dept('tech') } },
      ],
    });
    await server.sla.idle();
    const reassigned = await fileTicket(agent.socket, 'aftersales', 'high', 'chat');
    const moved = await fileTicket(agent.socket, 'aftersales', 'urgent', 'chat');
    const techAgent = await agentOf('tech');
    const { cursor } = await pullAll(techAgent.socket);

    server.clock.now = at('10:31');
    await server.sla.sweep();

    expect(await ticketRow(reassigned)).toMatchObject({
      assignee_id: colleague.id,
      department_id: dept('aftersales'),
    });
    expect(await ticketRow(moved)).toMatchObject({ department_id: dept('tech') });
    const mine = await pullAll(agent.socket);
    expect(lastOf(mine.changes, reassigned)).toMatchObject({
      op: 'upsert',
      data: { assigneeId: colleague.id },
    });
    expect(lastOf(mine.changes, moved)).toMatchObject({ op: 'remove' });
    const theirs = await pullAll(techAgent.socket, cursor);
    expect(lastOf(theirs.changes, moved)).toMatchObject({
      op: 'upsert',
      data: { departmentId: dept('tech') },
    });
    const note = theirs.changes.find(
      (c) =>
        c.kind === 'history' &&
        c.op === 'upsert' &&
        c.data.ticketId === moved &&
        c.data.field === 'departmentId',
    );
    expect(note).toMatchObject({ data: { actorName: 'SLA', from: dept('aftersales'), to: dept('tech') } });
    expect(await audits(moved, 'sla.breach')).toMatchObject([
      { changes: { departmentId: { from: dept('aftersales'), to: dept('tech') } } },
    ]);

    // In tech the ticket runs under tech's urgent chat policy; its first-response lateness is not escalated again.
    server.clock.now = at('11:30');
    await server.sla.sweep();
    expect((await ticketRow(moved)).department_id).toBe(dept('tech'));
    expect(await audits(moved, 'sla.breach')).toHaveLength(1);
  });

  it('fires an event once when two service nodes on one database sweep', async () => {
    server.clock.now = T0;
    const agent = await agentOf('tech');
    await editPolicy('tech', 'high', 'web', {
      firstResponseMinutes: 30,
      nextResponseMinutes: null,
      resolutionMinutes: null,
      escalations: [
        { on: 'breach', target: null, action: { kind: 'raisePriority' } },
        { on: 'breach', target: null, action: { kind: 'notify', who: 'supervisors', userId: null } },
      ],
    });
    await server.sla.idle();
    const id = await fileTicket(agent.socket, 'tech', 'high', 'web');
    const second = await startSecondNode(server);
    try {
      // The breach is due; the supervisor signs in now, so their token is current when the alert comes.
      server.clock.now = at('10:31');
      // PostgreSQL: the supervisor's desktop is on the second node, whichever node fires the event.
      const watcher = TEST_DIALECT === 'postgres' ? await signIn('super02', second.url) : undefined;
      const heard =
        watcher &&
        new Promise<SlaAlert>((resolve) =>
          watcher.socket.on(SlaSocketEvents.alert, (a: unknown) => {
            const alert = SlaAlert.parse(a);
            if (alert.ticketId === id) resolve(alert);
          }),
        );
      if (TEST_DIALECT === 'postgres') {
        await Promise.all([server.sla.sweep(), second.sla.sweep(), server.sla.sweep(), second.sla.sweep()]);
      } else {
        // Two SQLite connections in one process cannot wait for each other's lock (better-sqlite3 blocks the one
        // thread): the nodes sweep one after the other, the second as if it had read the due list before the
        // first committed.
        const due = (await ticketRow(id)).sla_next_check_ms;
        await server.sla.sweep();
        await db.updateTable('tickets').set({ sla_next_check_ms: due }).where('id', '=', id).execute();
        await second.sla.sweep();
      }
      expect((await events(id)).filter((e) => e.carried === 0)).toHaveLength(1);
      expect(await audits(id, 'sla.breach')).toHaveLength(1);
      expect((await ticketRow(id)).priority).toBe('urgent');
      if (heard) expect(await heard).toMatchObject({ kind: 'breach', target: 'firstResponse' });
    } finally {
      await second.close();
    }
  });
});

describe('the next-check index on SQLite', () => {
  const indexed = async () =>
    Number(
      (
        await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master
          WHERE type = 'index' AND name = 'tickets_sla_next_check'`.execute(db)
      ).rows[0]!.n,
    );

  it.runIf(TEST_DIALECT === 'sqlite')(
    'is built again after a recompute of many tickets, and at the next start after a run that died',
    async () => {
      server.clock.now = T0;
      await editPolicy('tech', 'low', 'web', {
        firstResponseMinutes: 60,
        nextResponseMinutes: null,
        resolutionMinutes: null,
      });
      await server.sla.idle();
      const agent = await agentOf('tech');
      const id = await fileTicket(agent.socket, 'tech', 'low', 'web');
      const before = await ticketRow(id);

      // As many tickets as drop the index: it is there again when the run is done, the columns as before.
      const r = await recomputeSla(db, () => server.clock.now, { rebuildIndexFrom: 0 });
      expect(r.partial).toBe(false);
      expect(await indexed()).toBe(1);
      expect(await ticketRow(id)).toMatchObject({
        sla_due_ms: before.sla_due_ms,
        sla_next_check_ms: before.sla_next_check_ms,
      });
      server.clock.now = at('11:05');
      await server.sla.sweep();
      expect((await events(id)).map((e) => e.kind)).toContain('breach');

      // A run that died with the index dropped: the next node to start builds it.
      await sql`DROP INDEX tickets_sla_next_check`.execute(db);
      expect(await indexed()).toBe(0);
      const second = await startSecondNode(server);
      try {
        await second.sla.idle();
        expect(await indexed()).toBe(1);
      } finally {
        await second.close();
      }
    },
  );
});

describe('SLA at first start', () => {
  it('records the backlog it finds late as carried instead of escalating it (an upgrade, a data load)', async () => {
    const fresh = await startTestServer({ tickets: 80, customers: 30 });
    const store = openDatabase(fresh.dbPath);
    try {
      await fresh.sla.idle();
      const before = await store
        .selectFrom('tickets')
        .select(['id', 'priority', 'sla_state', 'sla_next_check_ms'])
        .execute();
      const late = before.filter((t) => t.sla_state === 'breached');
      expect(late.length).toBeGreaterThan(0);
      await fresh.sla.sweep();
      const after = new Map(
        (await store.selectFrom('tickets').select(['id', 'priority']).execute()).map((t) => [
          t.id,
          t.priority,
        ]),
      );
      // Nothing re-prioritised, nothing audited as a breach: the demo's late tickets were late before it ran.
      for (const t of before) expect(after.get(t.id)).toBe(t.priority);
      const breaches = await store
        .selectFrom('audit_pending')
        .select('id')
        .where('action', '=', 'sla.breach')
        .execute();
      expect(breaches).toEqual([]);
      const carried = await store.selectFrom('sla_events').select(['ticket_id', 'carried']).execute();
      expect(carried.length).toBeGreaterThan(0);
      expect(carried.every((e) => e.carried === 1)).toBe(true);
      // Nothing is left owed: the next sweep has nothing to do for them either.
      const owed = await store
        .selectFrom('tickets')
        .select('id')
        .where('sla_next_check_ms', '<=', fresh.clock.now.getTime())
        .execute();
      expect(owed).toEqual([]);
    } finally {
      await store.destroy();
      await fresh.stop();
    }
  });
});

describe('a recompute on two threads (SQLite)', () => {
  it.runIf(TEST_DIALECT === 'sqlite')(
    'writes what one thread would, and keeps what a push computed for a ticket it changed after the worker read it',
    async () => {
      // Tiny ranges and the worker from the first ticket; the hook changes tickets once the worker has handed
      // over ranges this thread has not written yet.
      let onPause: ((run: { readonly queued: number }) => Promise<void>) | null = null;
      const fresh = await startTestServer({
        tickets: 160,
        customers: 40,
        accessTokenTtlSeconds: 30 * 86_400,
        sla: {
          sweepEveryMs: 0,
          recompute: { pipelineFrom: 0, chunk: 4, pause: async (run) => onPause?.(run) },
        },
      });
      const store = openDatabase(fresh.dbPath);
      const unsolved = () =>
        store
          .selectFrom('tickets')
          .select(['id', 'version', 'priority', 'sla_due_ms', 'sla_state', 'sla_next_check_ms'])
          .where('status', 'not in', ['solved', 'closed'])
          .where('deleted_at', 'is', null)
          .orderBy('id')
          .execute();
      try {
        fresh.clock.now = T0;
        await fresh.sla.idle();
        const admin = await login(fresh.url, 'admin');
        const socket = await connectSocket(fresh.url, admin.accessToken);
        sockets.push(socket);
        /** The priority each ticket was pushed to mid-run. */
        const changed = new Map<string, TicketPriority>();
        onPause = async (run) => {
          if (changed.size > 0) return;
          // This thread waits here (at its first range) until the worker has handed over one of its own.
          const deadline = Date.now() + 30_000;
          while (run.queued === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          // Every unsolved ticket to another priority, in one push: those in the ranges handed over were read
          // by the worker before this.
          const rows = await unsolved();
          for (const t of rows) changed.set(t.id, t.priority === 'urgent' ? 'low' : 'urgent');
          const results = await pushAll(
            socket,
            rows.map((t) => ({
              id: randomUUID(),
              name: 'ticket.update',
              args: { ticketId: t.id, patch: { priority: changed.get(t.id) }, baseVersion: t.version },
            })),
          );
          expect(results.every((r) => r.status === 'applied')).toBe(true);
        };

        // An admin shortens Friday and adds a holiday: every unsolved ticket is computed again.
        const calendar = (
          await fetch(`${fresh.url}${CONFIG_REST}`, {
            headers: { authorization: `Bearer ${admin.accessToken}` },
          }).then(async (r) => AdminConfig.parse(await r.json()))
        ).calendars[0]!;
        const res = await postJson(
          `${fresh.url}${ADMIN_REST.calendar(calendar.id)}`,
          {
            ...calendar,
            weekly: { ...calendar.weekly, fri: [{ start: '09:00', end: '12:00' }] },
            holidays: [...calendar.holidays, { date: '2026-12-09', name: 'company day' }],
          },
          { authorization: `Bearer ${admin.accessToken}` },
        );
        expect(res.status).toBe(200);
        await fresh.sla.idle();
        const result = fresh.sla.lastRecompute;
        onPause = null;
        expect(result).toMatchObject({ partial: false });
        expect(result!.worker!.ranges).toBeGreaterThan(0);
        expect(changed.size).toBeGreaterThan(0);
        // Some of what the worker computed was from rows changed since: left as the push computed them.
        expect(result!.worker!.dropped).toBeGreaterThan(0);

        // The same store computed again on one thread, under the same configuration and clock, changes nothing:
        // neither the worker's results nor the pushes' were overwritten with something else.
        const after = await unsolved();
        for (const t of after) expect(t.priority).toBe(changed.get(t.id));
        const again = await recomputeSla(store, () => fresh.clock.now, {
          pipelineFrom: Number.POSITIVE_INFINITY,
          rebuildIndexFrom: Number.POSITIVE_INFINITY,
        });
        expect(again.worker).toBeNull();
        expect(await unsolved()).toEqual(after);
        expect(after.some((t) => t.sla_due_ms !== null)).toBe(true);
      } finally {
        await store.destroy();
        await fresh.stop();
      }
    },
    60_000,
  );
});

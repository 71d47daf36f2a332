// Callers wait in the queue (src/server/voice/README.md, "Waiting calls"): against a real server over HTTP, as
// Kamailio asks (wait=1 on every routing request, polls for the same Call-ID), with agents on the sync socket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_REST, PBX_SECRET_HEADER, Queue, type WaitingCall } from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { login, postJson, startTestServer, TEST_PBX_SECRET, type TestServer } from './helpers';
import { agentSessions, callEvent, mustSetState, setState, statusOf, until } from './voice-helpers';
import { auditRecords } from './audit-wait';

let server: TestServer;
const { session, closeAll, tick } = agentSessions(() => server);
const ids: Record<string, string> = {};

/** A routing request as a Kamailio that can hold callers sends it (wait=1), first or poll alike. */
async function ask(queue: string, callId: string, opts: { retry?: boolean; caller?: string } = {}) {
  const url =
    `${server.url}/api/voice/route?queue=${queue}&caller=${opts.caller ?? '13800138000'}` +
    `&callid=${encodeURIComponent(callId)}&wait=1${opts.retry ? '&retry=1' : ''}`;
  const res = await fetch(url, { headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET } });
  return { status: res.status, body: await res.text() };
}

async function withDb<T>(f: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await f(db);
  } finally {
    await db.destroy();
  }
}

/** Audit records of an action, chained or still pending (audit/README.md). */
const audits = (action: string, subjectId?: string) =>
  withDb(async (db) => {
    await server.voice.flush();
    return auditRecords(db, { action, subjectId });
  });

const record = (callId: string) =>
  withDb(async (db) => {
    await server.voice.flush();
    return db.selectFrom('interactions').selectAll().where('call_id', '=', callId).executeTakeFirstOrThrow();
  });

/** Every agent's call ended and the agent free again (as their desktop would). */
async function hangUp(callId: string) {
  expect((await callEvent(server.url, callId, 'answered')).status).toBe(200);
  expect((await callEvent(server.url, callId, 'ended')).status).toBe(200);
}

beforeAll(async () => {
  server = await startTestServer({
    tickets: 50,
    customers: 30,
    voice: { offlineGraceMs: 200, ringSlackMs: 100, waitPollTimeoutMs: 60_000 },
    prepare: async (db) => {
      const dept = async (username: string) =>
        await db
          .selectFrom('users')
          .select(['id', 'department_id'])
          .where('username', '=', username)
          .executeTakeFirstOrThrow();
      const a1 = await dept('agent01');
      for (const u of ['agent01', 'agent02', 'agent03', 'agent05', 'agent09']) ids[u] = (await dept(u)).id;
      // agent03 (after-sales) takes no after-sales queue: only a supervisor's choice gives them a waiting call.
      await db.deleteFrom('agent_skills').where('user_id', '=', ids.agent03!).execute();
      // agent04 is not used: the after-sales queues have agent01 and agent02 only.
      const a4 = await dept('agent04');
      await db.deleteFrom('agent_skills').where('user_id', '=', a4.id).execute();
      const vip = 'b6f1c1de-0000-4000-8000-000000008011';
      await db
        .insertInto('queues')
        .values([
          {
            id: vip,
            number: '8011',
            name_zh: '贵宾售后',
            name_en: 'VIP after-sales',
            department_id: a1.department_id!,
            skill: 'aftersales',
            ring_timeout_seconds: 20,
            priority: 5,
            max_wait_seconds: null,
            overflow_queue_id: null,
          },
          {
            id: 'b6f1c1de-0000-4000-8000-000000008012',
            number: '8012',
            name_zh: '售后溢出',
            name_en: 'After-sales overflow',
            department_id: a1.department_id!,
            skill: 'aftersales',
            ring_timeout_seconds: 20,
            priority: 0,
            max_wait_seconds: 30,
            overflow_queue_id: vip,
          },
        ])
        .execute();
      // Billing: at 30 s a waiting caller gets a callback ticket instead.
      await db
        .updateTable('queues')
        .set({ max_wait_seconds: 30, callback_on_max_wait: 1 })
        .where('number', '=', '8003')
        .execute();
    },
  });
});
afterEach(async () => {
  closeAll();
  await new Promise((r) => setTimeout(r, 300));
});
afterAll(async () => server?.stop());

describe('waiting in the queue', () => {
  it('keeps a caller waiting while every agent is busy and gives them the agent who frees up', async () => {
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect(await ask('8001', 'w-1')).toEqual({ status: 200, body: '1001\n20\n' });
    // agent01 is on that call; nobody else of after-sales is signed in: the next caller waits, first in line.
    const waiting = await ask('8001', 'w-2');
    expect(waiting.status).toBe(200);
    // Position, expected wait, and a callback on request offered (this service makes callback tickets).
    expect(waiting.body).toMatch(/^wait\n1\n\d+\n1\n$/);
    expect(server.voice.waitingCalls().map((w) => w.callId)).toEqual(['w-2']);
    // Without wait=1 (a PBX that cannot hold callers) the answer stays a refusal.
    const old = await fetch(`${server.url}/api/voice/route?queue=8001&caller=1&callid=w-old`, {
      headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET },
    });
    expect(old.status).toBe(404);

    tick(15_000);
    expect((await ask('8001', 'w-2')).body).toMatch(/^wait\n1\n/);
    await hangUp('w-1');
    // agent01 is free again: the waiting call is theirs at once, and the caller's next poll rings them.
    const st = await mustSetState(a1, 'Available');
    expect(['Available', 'OnCall']).toContain(st.state);
    await until(async () => ((await statusOf(a1)).state === 'OnCall' ? true : undefined));
    expect(server.voice.waitingCalls()).toEqual([]);
    expect(await ask('8001', 'w-2')).toEqual({ status: 200, body: '1001\n20\n' });
    tick(3_000);
    await hangUp('w-2');
    const r = await record('w-2');
    expect(r).toMatchObject({ status: 'ended', agent_id: ids.agent01, queue_result: 'answered' });
    expect(r.wait_seconds).toBe(18);
    // The first call was answered 15 s after it came in (its agent took it late): its speed of answer.
    expect((await record('w-1')).wait_seconds).toBe(15);
    await mustSetState(a1, 'Offline');
  });

  it('offers waiting calls by queue priority, then the longest waiting, across queues', async () => {
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect((await ask('8001', 'p-0')).body).toBe('1001\n20\n');
    expect((await ask('8001', 'p-1')).body).toMatch(/^wait\n1\n/);
    tick();
    expect((await ask('8001', 'p-2')).body).toMatch(/^wait\n2\n/);
    tick();
    // The VIP queue (priority 5) shares agent01: its caller goes ahead of both.
    expect((await ask('8011', 'p-3')).body).toMatch(/^wait\n1\n/);
    expect((await ask('8001', 'p-1')).body).toMatch(/^wait\n2\n/);
    expect((await ask('8001', 'p-2')).body).toMatch(/^wait\n3\n/);
    const list = server.voice.waitingCalls();
    expect(list.map((w: WaitingCall) => [w.callId, w.position])).toEqual([
      ['p-3', 1],
      ['p-1', 2],
      ['p-2', 3],
    ]);

    for (const next of ['p-3', 'p-1', 'p-2']) {
      const prev = next === 'p-3' ? 'p-0' : next === 'p-1' ? 'p-3' : 'p-1';
      await hangUp(prev);
      await mustSetState(a1, 'Available');
      expect(await ask(next === 'p-3' ? '8011' : '8001', next)).toEqual({ status: 200, body: '1001\n20\n' });
    }
    await hangUp('p-2');
    await mustSetState(a1, 'Offline');
  });

  it('records a caller who hangs up while waiting as abandoned, with the wait', async () => {
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect((await ask('8001', 'ab-0')).body).toBe('1001\n20\n');
    expect((await ask('8001', 'ab-1')).body).toMatch(/^wait\n1\n/);
    tick(42_000);
    expect((await callEvent(server.url, 'ab-1', 'abandoned')).status).toBe(200);
    expect(server.voice.waitingCalls()).toEqual([]);
    const r = await record('ab-1');
    expect(r).toMatchObject({
      status: 'abandoned',
      agent_id: null,
      queue_result: 'abandoned',
      wait_seconds: 42,
    });
    const audit = await audits('queue.abandoned', r.id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ callId: 'ab-1', waitSeconds: 42 });
    // A late poll is let go without a word of a callback: none was booked.
    expect(await ask('8001', 'ab-1')).toEqual({ status: 404, body: '' });
    await hangUp('ab-0');
    // agent01 gets nothing from the abandoned call when they are free again.
    expect((await mustSetState(a1, 'Available')).state).toBe('Available');
    await mustSetState(a1, 'Offline');
  });

  it('moves a caller to the overflow queue at the maximum wait, keeping their place by entry time', async () => {
    const a1 = await session('agent01');
    await mustSetState(a1, 'Available');
    expect((await ask('8001', 'o-0')).body).toBe('1001\n20\n');
    expect((await ask('8012', 'o-1')).body).toMatch(/^wait\n1\n/);
    tick(10_000);
    expect((await ask('8011', 'o-2')).body).toMatch(/^wait\n1\n/); // VIP priority: ahead of o-1
    tick(21_000);
    // o-1 has waited 31 s in 8012 (max 30): it is in the VIP queue now, and entered before o-2.
    expect((await ask('8012', 'o-1')).body).toMatch(/^wait\n1\n/);
    expect((await ask('8011', 'o-2')).body).toMatch(/^wait\n2\n/);
    expect((await record('o-1')).queue_number).toBe('8011');
    await callEvent(server.url, 'o-1', 'abandoned');
    await callEvent(server.url, 'o-2', 'abandoned');
    await hangUp('o-0');
    await mustSetState(a1, 'Offline');
  });

  it('makes a callback ticket at the maximum wait, or when the caller asks for one', async () => {
    const a9 = await session('agent09');
    await mustSetState(a9, 'Available');
    expect((await ask('8003', 'cb-0')).body).toBe('1009\n20\n');
    expect((await ask('8003', 'cb-1', { caller: '13912345678' })).body).toMatch(/^wait\n1\n/);
    expect((await ask('8003', 'cb-2', { caller: '13912345679' })).body).toMatch(/^wait\n2\n/);
    tick(31_000);
    // Let go with a callback booked: the PBX tells the caller so before it ends the call.
    expect(await ask('8003', 'cb-1')).toEqual({ status: 404, body: 'callback\n' });
    const r1 = await record('cb-1');
    expect(r1).toMatchObject({ status: 'ended', queue_result: 'max_wait_callback', wait_seconds: 31 });
    expect(r1.ticket_id).not.toBeNull();
    const t1 = await withDb((db) =>
      db
        .selectFrom('tickets')
        .innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .select(['tickets.department_id', 'tickets.channel', 'customers.phone'])
        .where('tickets.id', '=', r1.ticket_id!)
        .executeTakeFirstOrThrow(),
    );
    expect(t1).toEqual({ department_id: r1.department_id, channel: 'phone', phone: '+8613912345678' });
    // Polled again (a late retransmission): still let go, not queued anew.
    expect((await ask('8003', 'cb-1')).status).toBe(404);

    // The other caller presses the callback key (Kamailio posts it with its secret).
    const post = (secret: string) =>
      fetch(`${server.url}/api/voice/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PBX_SECRET_HEADER]: secret },
        body: JSON.stringify({ callId: 'cb-2' }),
      });
    expect((await post('wrong')).status).toBe(403);
    const cb = await post(TEST_PBX_SECRET);
    expect(cb.status).toBe(200);
    const { ticketId } = (await cb.json()) as { ticketId: string };
    expect(await record('cb-2')).toMatchObject({
      status: 'ended',
      queue_result: 'callback',
      ticket_id: ticketId,
    });
    expect((await post(TEST_PBX_SECRET)).status).toBe(404);
    expect(await ask('8003', 'cb-2')).toEqual({ status: 404, body: 'callback\n' });
    expect(await audits('queue.callback')).toHaveLength(2);
    await hangUp('cb-0');
    await mustSetState(a9, 'Offline');
  });

  it('lets a supervisor give a waiting call to an Available agent of its department', async () => {
    const a1 = await session('agent01');
    const a3 = await session('agent03'); // after-sales, but in no after-sales queue
    await mustSetState(a1, 'Available');
    expect((await ask('8001', 'as-0')).body).toBe('1001\n20\n');
    expect((await ask('8001', 'as-1')).body).toMatch(/^wait\n1\n/);
    const changes: WaitingCall[][] = [];
    const stop = server.voice.onWaitingChange((calls) => changes.push(calls));
    const sup = 'supervisor-actor';
    expect(() => server.voice.assignWaiting('as-1', ids.agent03!, sup)).toThrow(/not Available/);
    expect(() => server.voice.assignWaiting('as-1', ids.agent05!, sup)).toThrow(/department/);
    expect(() => server.voice.assignWaiting('nope', ids.agent03!, sup)).toThrow(/No such call/);
    await mustSetState(a3, 'Available');
    expect((await statusOf(a3)).state).toBe('Available'); // not in the queue: nothing offered by itself
    server.voice.assignWaiting('as-1', ids.agent03!, sup);
    expect((await statusOf(a3)).state).toBe('OnCall');
    expect(await ask('8001', 'as-1')).toEqual({ status: 200, body: '1003\n20\n' });
    await until(() => (changes.at(-1)?.length === 0 ? true : undefined));
    stop();
    const rec = await record('as-1');
    const audit = await audits('queue.assign', rec.id);
    expect(audit.map((a) => a.actor_id)).toEqual([sup]);
    await hangUp('as-1');
    await hangUp('as-0');
    expect((await setState(a3, 'Offline')).ok).toBe(true);
    await mustSetState(a1, 'Offline');
  });

  it('takes the queue settings from the admin, checked, and routes by them at once', async () => {
    const admin = await login(server.url, 'admin');
    const queues = server.voice.listQueues();
    const billing = queues.find((q) => q.number === '8003')!;
    const vip = queues.find((q) => q.number === '8011')!;
    const save = (input: Record<string, unknown>) =>
      postJson(
        `${server.url}${ADMIN_REST.queue(billing.id)}`,
        { ...billing, ...input },
        {
          authorization: `Bearer ${admin.accessToken}`,
        },
      );
    const self = await save({ maxWaitSeconds: 60, overflowQueueId: billing.id, callbackOnMaxWait: false });
    expect(self.status).toBe(400);
    expect(JSON.stringify(self.body.issues)).toMatch(/cannot overflow to itself/);
    const noMax = await save({ maxWaitSeconds: null, callbackOnMaxWait: true });
    expect(noMax.status).toBe(400);
    expect(JSON.stringify(noMax.body.issues)).toMatch(/give a maximum wait/);
    const badTarget = await save({ serviceLevelTarget: 1.5 });
    expect(badTarget.status).toBe(400);

    const ok = await save({
      priority: 7,
      maxWaitSeconds: 90,
      overflowQueueId: vip.id,
      callbackOnMaxWait: false,
      serviceLevelSeconds: 30,
      serviceLevelTarget: 0.9,
    });
    expect(ok.status).toBe(200);
    expect(Queue.parse(ok.body)).toMatchObject({ priority: 7, maxWaitSeconds: 90, overflowQueueId: vip.id });
    await until(() => {
      const q = server.voice.listQueues().find((x) => x.number === '8003');
      return q?.priority === 7 && q.serviceLevelTarget === 0.9 ? q : undefined;
    });
    expect((await audits('queue.update', billing.id)).length).toBeGreaterThan(0);
  });
});

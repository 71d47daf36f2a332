// Reports (issue 14): aggregates built in bulk from the records (a first start over existing history, an upgrade)
// are the same rows the change follower builds contact by contact, and the follower carries on from them. On
// SQLite and PostgreSQL (test:pg).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendChange } from '../../src/server/db/change-log';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { ReportAggregator } from '../../src/server/reports/aggregator';
import { scratchDb } from './test-db';

const ZONE = 'Asia/Shanghai';
let store: Awaited<ReturnType<typeof scratchDb>>;
let db: Db;

const at = (daysAgo: number, minutes = 0) =>
  new Date(Date.now() - daysAgo * 86_400_000 + minutes * 60_000).toISOString();

/** Calls (answered, abandoned, rated, with a disposition), an ended chat, a breach, a category, a deletion. */
async function addContacts(): Promise<void> {
  const depts = await db.selectFrom('departments').select('id').orderBy('code').execute();
  const agents = await db
    .selectFrom('users')
    .select(['id', 'department_id'])
    .where('role', '=', 'agent')
    .execute();
  const queues = await db.selectFrom('queues').select(['id', 'number', 'department_id']).execute();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 40; i++) {
      const q = queues[i % queues.length]!;
      const agent = agents.find((a) => a.department_id === q.department_id) ?? agents[0]!;
      const abandoned = i % 5 === 0;
      const id = randomUUID();
      const version = await appendChange(trx, 'interaction', id, q.department_id);
      await trx
        .insertInto('interactions')
        .values({
          id,
          version,
          call_id: `call-${i}`,
          direction: i % 7 === 0 ? 'outbound' : 'inbound',
          caller_number: '+8613800000000',
          callee_number: q.number,
          queue_number: q.number,
          department_id: q.department_id,
          agent_id: abandoned ? null : agent.id,
          status: abandoned ? 'abandoned' : 'ended',
          ring_at: at(i % 9, i * 7),
          answer_at: abandoned ? null : at(i % 9, i * 7 + (i % 3)),
          end_at: at(i % 9, i * 7 + 5),
          hold_seconds: 0,
          disposition: abandoned ? null : ['resolved', 'callback', 'escalated'][i % 3]!,
          completed_at: abandoned ? null : at(i % 9, i * 7 + 6),
          csat: i % 4 === 1 ? 1 + (i % 5) : null,
        })
        .execute();
    }
    const dept = depts[0]!.id;
    const agent = agents.find((a) => a.department_id === dept) ?? agents[0]!;
    const site = randomUUID();
    await trx
      .insertInto('chat_sites')
      .values({
        id: site,
        name: 'Shop',
        department_id: dept,
        queue_id: null,
        origins: '[]',
        allow_service_origin: 1,
        enabled: 1,
        created_at: at(3),
        updated_at: at(3),
      })
      .execute();
    for (let i = 0; i < 3; i++) {
      const session = randomUUID();
      const taken = i !== 2;
      await trx
        .insertInto('chat_sessions')
        .values({
          id: session,
          visitor_id: `v${i}`,
          site_id: site,
          department_id: dept,
          queue_id: null,
          customer_id: null,
          state: 'ended',
          agent_id: taken ? agent.id : null,
          last_seq: 2,
          agent_delivered_seq: 0,
          agent_read_seq: 0,
          visitor_delivered_seq: 0,
          visitor_read_seq: 0,
          language: 'zh-CN',
          created_at: at(2, i * 30),
          updated_at: at(2, i * 30 + 20),
          handoff_at: at(2, i * 30 + 1),
          ended_at: at(2, i * 30 + 20),
        })
        .execute();
      if (taken)
        await trx
          .insertInto('chat_messages')
          .values({
            id: randomUUID(),
            session_id: session,
            seq: 1,
            sender: 'agent',
            author_id: agent.id,
            client_id: null,
            client_key: null,
            body: '您好',
            name: null,
            event: null,
            attachments: null,
            article_id: null,
            created_at: at(2, i * 30 + 3),
          })
          .execute();
      const chat = randomUUID();
      await trx
        .insertInto('chat_interactions')
        .values({
          id: chat,
          session_id: session,
          department_id: dept,
          customer_id: null,
          agent_id: taken ? agent.id : null,
          visitor_name: null,
          started_at: at(2, i * 30),
          ended_at: at(2, i * 30 + 20),
          message_count: 1,
          transcript: '[]',
          csat: i === 0 ? 5 : null,
        })
        .execute();
      await appendChange(trx, 'chat', chat, dept);
    }
    const tickets = await trx
      .selectFrom('tickets')
      .select(['id', 'department_id'])
      .orderBy('number')
      .limit(3)
      .execute();
    // A category in a custom field, a breach on a solved ticket, a deleted ticket.
    await trx
      .updateTable('tickets')
      .set({ fields: JSON.stringify({ category: ' refund_status ' }), status: 'solved' })
      .where('id', '=', tickets[0]!.id)
      .execute();
    await trx
      .insertInto('ticket_history')
      .values({
        id: randomUUID(),
        ticket_id: tickets[0]!.id,
        field: 'status',
        from_value: 'open',
        to_value: 'solved',
        actor_id: agent.id,
        actor_name: 'A',
        at: at(0),
        version: 0,
      })
      .execute();
    await trx
      .insertInto('sla_events')
      .values({
        ticket_id: tickets[0]!.id,
        target: 'resolution',
        kind: 'breach',
        due_at: at(1),
        at: at(1),
        policy_id: 'p',
      })
      .execute();
    await appendChange(trx, 'ticket', tickets[0]!.id, tickets[0]!.department_id);
    await trx
      .updateTable('tickets')
      .set({ deleted_at: at(0) })
      .where('id', '=', tickets[1]!.id)
      .execute();
    await appendChange(trx, 'ticket', tickets[1]!.id, tickets[1]!.department_id);
  });
}

/** Later changes the follower applies as differences: a ticket moves department, a call gets its rating. */
async function changeSome(): Promise<void> {
  const depts = await db.selectFrom('departments').select('id').orderBy('code').execute();
  await db.transaction().execute(async (trx) => {
    const t = await trx
      .selectFrom('tickets')
      .select(['id', 'department_id'])
      .where('deleted_at', 'is', null)
      .orderBy('number', 'desc')
      .executeTakeFirstOrThrow();
    const to = depts.find((d) => d.id !== t.department_id)!.id;
    await trx.updateTable('tickets').set({ department_id: to }).where('id', '=', t.id).execute();
    const h = randomUUID();
    await trx
      .insertInto('ticket_history')
      .values({
        id: h,
        ticket_id: t.id,
        field: 'departmentId',
        from_value: t.department_id,
        to_value: to,
        actor_id: null,
        actor_name: 'A',
        at: at(0),
        version: 0,
      })
      .execute();
    await appendChange(trx, 'history', h, to);
    const call = await trx
      .selectFrom('interactions')
      .select(['id', 'department_id'])
      .where('status', '=', 'ended')
      .where('csat', 'is', null)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('interactions')
      .set({ csat: 2, csat_at: at(0) })
      .where('id', '=', call.id)
      .execute();
    await appendChange(trx, 'interaction', call.id, call.department_id);
  });
}

/** Every bucket row that holds a figure, in key order (the follower leaves emptied rows at zero). */
async function buckets() {
  const rows = await db.selectFrom('report_buckets').selectAll().execute();
  return rows
    .map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v : Number(v)])),
    )
    .filter((r) => Object.entries(r).some(([k, v]) => typeof v === 'number' && k !== 'bucket_ms' && v !== 0))
    .sort((a, b) =>
      `${a.dim}|${a.department_id}|${a.bucket_ms}|${a.dim_key}`.localeCompare(
        `${b.dim}|${b.department_id}|${b.bucket_ms}|${b.dim_key}`,
      ),
    );
}

async function forgetAggregates(): Promise<void> {
  await db.deleteFrom('report_buckets').execute();
  await db.deleteFrom('report_facts').execute();
  await db.updateTable('report_cursors').set({ position: '0' }).where('name', '=', 'changes').execute();
  await db.updateTable('report_cursors').set({ position: '' }).where('name', '=', 'states').execute();
}

beforeAll(async () => {
  store = await scratchDb();
  db = store.db;
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 150, customers: 40 });
  await addContacts();
});
afterAll(async () => {
  await store?.close();
});

describe('report aggregates built from the records', () => {
  it('are the rows the change follower builds contact by contact, and the follower carries on from them', async () => {
    const lines: string[] = [];
    const aggregator = (rebuildWhenEmpty: boolean) =>
      new ReportAggregator({
        db,
        now: () => new Date(),
        log: (l) => lines.push(l),
        timeZone: ZONE,
        rebuildWhenEmpty,
      });
    // The follower, contact by contact from the change log, then later changes as differences.
    const follower = aggregator(false);
    await follower.catchUp();
    await changeSome();
    await follower.catchUp();
    const incremental = await buckets();
    expect(incremental.filter((r) => r.dim === 'queue').length).toBeGreaterThan(0);
    expect(incremental.some((r) => r.dim === 'channel/day' && r.dim_key === 'chat')).toBe(true);

    // An installation upgraded with its history: no aggregates yet.
    await forgetAggregates();
    const bulk = aggregator(true);
    await bulk.catchUp();
    expect(
      lines.some((l) => /aggregates built from the records \(\d+ tickets, 40 calls, 3 chats\)/.test(l)),
    ).toBe(true);
    expect(await buckets()).toEqual(incremental);

    // Live changes after the rebuild go through the follower, and land where a rebuild would put them.
    await changeSome();
    await bulk.catchUp();
    const followed = await buckets();
    await forgetAggregates();
    await aggregator(true).catchUp();
    expect(await buckets()).toEqual(followed);
    expect(followed).not.toEqual(incremental);
  });
});

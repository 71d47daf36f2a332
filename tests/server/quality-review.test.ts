import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_REST, ReportResult } from '../../src/shared/protocol/reports';
import {
  QUALITY_REST,
  QualityConfig,
  QualityContactDetail,
  QualityMine,
  QualityQueueItem,
  QualityReview,
  type QualityContactKind,
} from '../../src/shared/quality';
import { saveTranscript } from '../../src/server/chat-routing/transcript';
import { appendChange } from '../../src/server/db/change-log';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { connectSocket, login, pushAll, startTestServer, type TestServer } from './helpers';
import { auditRecords } from './audit-wait';

/**
 * Quality review on a real server: contacts made the way the product makes them (tickets and comments pushed
 * by agents' desktops, a chat ended through the transcript path, call records written and announced on the
 * change log) are checked as they end; rules changed per department; a supervisor samples, scores and returns
 * a review; the agent sees and acknowledges it; the report shows the score; others are kept out.
 */
let server: TestServer;
let db: Db;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
const departments: Record<string, string> = {};
const sockets: Socket[] = [];

async function api<T>(
  who: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const ok = async <T>(who: string, method: string, path: string, body?: unknown): Promise<T> => {
  const r = await api<T>(who, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path} as ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const detail = async (who: string, kind: QualityContactKind, id: string) =>
  QualityContactDetail.parse(await ok(who, 'GET', `${QUALITY_REST.contact}?kind=${kind}&id=${id}`));
/** Each finding as [rule, the text it marks (or its excerpt when it marks none)]. */
const marks = (d: QualityContactDetail) =>
  d.findings.map((f) => [
    f.rule,
    f.start === null ? f.excerpt : d.parts.find((p) => p.id === f.partId)!.text.slice(f.start, f.end!),
  ]);

async function socketOf(who: string): Promise<Socket> {
  const s = await connectSocket(server.url, tokens[who]);
  sockets.push(s);
  return s;
}

/** A ticket as an agent's desktop makes it, then the agent's public reply to it. */
async function ticketWithReply(
  agent: string,
  department: string,
  opts: { description: string; reply: string; channel?: 'web' | 'email' },
): Promise<{ ticketId: string; commentId: string }> {
  const socket = await socketOf(agent);
  const customer = await db.selectFrom('customers').select('id').limit(1).executeTakeFirstOrThrow();
  const ticketId = randomUUID();
  const commentId = randomUUID();
  const results = await pushAll(socket, [
    {
      id: randomUUID(),
      name: 'ticket.create',
      args: {
        ticketId,
        customerId: customer.id,
        departmentId: departments[department]!,
        subject: 'Quality test',
        description: opts.description,
        status: 'open',
        priority: 'normal',
        assigneeId: ids[agent]!,
        createdAt: server.clock.now.toISOString(),
        interactionId: null,
        channel: opts.channel ?? 'web',
      },
    },
    {
      id: randomUUID(),
      name: 'ticket.comment',
      args: { commentId, ticketId, body: opts.reply, internal: false },
    },
  ]);
  expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
  return { ticketId, commentId };
}

beforeAll(async () => {
  server = await startTestServer({ tickets: 60, customers: 20 });
  db = openDatabase(server.dbPath);
  for (const u of ['agent01', 'agent02', 'agent09', 'super01', 'super02', 'admin']) {
    const r = await login(server.url, u);
    tokens[u] = r.accessToken;
    ids[u] = r.user.id;
  }
  for (const d of await db.selectFrom('departments').select(['id', 'code']).execute())
    departments[d.code] = d.id;
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await db?.destroy();
  await server?.stop();
});

describe('quality review', () => {
  let promiseTicket: string;
  let billingTicket: string;

  it('checks an agent’s reply when it is added: missing greeting, a refund promise, the customer’s anger (zh)', async () => {
    const { ticketId, commentId } = await ticketWithReply('agent01', 'aftersales', {
      description: '垃圾服务，气死我了，退款到现在都没到，我要投诉！',
      reply: '我保证明天到账，请耐心等待。谢谢',
    });
    promiseTicket = ticketId;
    const d = await detail('super01', 'ticket', ticketId);
    expect(d.item.agentId).toBe(ids.agent01);
    expect(marks(d)).toEqual(
      expect.arrayContaining([
        ['greeting', '我保证明天到账，请耐心等待。谢谢'],
        ['promise', '保证明天到账'],
        ['negative_sentiment', '垃圾'],
        ['negative_sentiment', '投诉'],
      ]),
    );
    expect(d.findings.find((f) => f.rule === 'promise')!.partId).toBe(commentId);
    expect(d.findings.some((f) => f.rule === 'closing')).toBe(false);
  });

  it('finds the same in English, and an SLA breach of the ticket', async () => {
    const { ticketId } = await ticketWithReply('agent09', 'billing', {
      description: 'This is the worst service, I am furious and disappointed.',
      reply: "Hi Sam, you'll get your refund by Friday. Shut up about the fees. Regards",
      channel: 'email',
    });
    billingTicket = ticketId;
    let d = await detail('admin', 'ticket', ticketId);
    expect(marks(d)).toEqual(
      expect.arrayContaining([
        ['promise', 'refund by Friday'],
        ['forbidden', 'Shut up'],
        ['negative_sentiment', 'worst'],
        ['negative_sentiment', 'furious'],
      ]),
    );
    expect(d.findings.some((f) => f.rule === 'greeting' || f.rule === 'sla_breach')).toBe(false);
    // The SLA sweeper records a breach (sla/sla-service.ts) without changing the ticket: the checks follow it.
    await db
      .insertInto('sla_events')
      .values({
        ticket_id: ticketId,
        target: 'firstResponse',
        kind: 'breach',
        due_at: new Date(server.clock.now.getTime() - 60_000).toISOString(),
        at: server.clock.now.toISOString(),
        policy_id: 'default',
      })
      .execute();
    d = await detail('admin', 'ticket', ticketId);
    expect(d.findings.map((f) => f.rule)).toContain('sla_breach');
  });

  it('checks a chat when it ends: greeting and closing missing, a forbidden phrase', async () => {
    const sessionId = randomUUID();
    const at = (s: number) => new Date(server.clock.now.getTime() - 600_000 + s * 1000).toISOString();
    await db
      .insertInto('chat_sessions')
      .values({
        id: sessionId,
        visitor_id: randomUUID(),
        site_id: 'qa-site',
        department_id: departments.aftersales!,
        queue_id: null,
        customer_id: null,
        state: 'ended',
        agent_id: ids.agent01!,
        last_seq: 3,
        agent_delivered_seq: 3,
        agent_read_seq: 3,
        visitor_delivered_seq: 3,
        visitor_read_seq: 3,
        language: 'zh-CN',
        created_at: at(0),
        updated_at: at(90),
        handoff_at: at(1),
        ended_at: at(90),
      })
      .execute();
    const texts: [string, string][] = [
      ['visitor', '我的耳机坏了，太失望了，非常不满意'],
      ['agent', '把订单号发过来'],
      ['agent', '这个不归我管，你找快递'],
    ];
    await db
      .insertInto('chat_messages')
      .values(
        texts.map(([sender, body], i) => ({
          id: randomUUID(),
          session_id: sessionId,
          seq: i + 1,
          sender,
          author_id: sender === 'agent' ? ids.agent01! : null,
          client_id: null,
          client_key: null,
          body,
          name: sender === 'agent' ? '坐席一' : null,
          event: null,
          attachments: null,
          article_id: null,
          created_at: at(10 + i * 10),
        })),
      )
      .execute();
    // The product's own path when a chat ends: the transcript is recorded and announced on the change log.
    await saveTranscript(db, sessionId);
    const chat = await db
      .selectFrom('chat_interactions')
      .select('id')
      .where('session_id', '=', sessionId)
      .executeTakeFirstOrThrow();
    const d = await detail('super01', 'chat', chat.id);
    expect(marks(d)).toEqual(
      expect.arrayContaining([
        ['greeting', '把订单号发过来'],
        ['closing', '这个不归我管，你找快递'],
        ['forbidden', '不归我管'],
        ['negative_sentiment', '失望'],
      ]),
    );
  });

  it('finds a long hold and many transfers in a wrapped-up call', async () => {
    const caller = '+8613800000042';
    const t0 = server.clock.now.getTime() - 3_600_000;
    const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
    // Three legs of one caller: each transfer is the next leg ringing as the previous one ends.
    const legs = [
      { agent: 'agent02', ring: 0, end: 120, hold: 0 },
      { agent: 'agent02', ring: 125, end: 300, hold: 20 },
      { agent: 'agent01', ring: 305, end: 900, hold: 420 },
    ];
    let last = '';
    for (const l of legs) {
      const id = randomUUID();
      await db.transaction().execute(async (trx) => {
        const version = await appendChange(trx, 'interaction', id, departments.aftersales!);
        await trx
          .insertInto('interactions')
          .values({
            id,
            call_id: randomUUID(),
            direction: 'inbound',
            caller_number: caller,
            callee_number: '8001',
            queue_number: null,
            department_id: departments.aftersales!,
            agent_id: ids[l.agent]!,
            customer_id: null,
            status: 'ended',
            ring_at: iso(l.ring),
            answer_at: iso(l.ring + 3),
            end_at: iso(l.end),
            hold_seconds: l.hold,
            disposition: 'resolved',
            notes: '客户询问保修，已解答',
            ticket_id: null,
            completed_at: iso(l.end + 30),
            version,
          })
          .execute();
      });
      last = id;
    }
    const d = await detail('super01', 'call', last);
    expect(d.call).toMatchObject({ holdSeconds: 420, transfers: 2 });
    expect(marks(d)).toEqual([
      ['long_hold', '420'],
      ['transfers', '2'],
    ]);
  });

  it('keeps rule changes per department, audited: a disabled rule no longer fires there, elsewhere it does', async () => {
    const before = QualityConfig.parse(
      await ok('super01', 'GET', `${QUALITY_REST.config}?departmentId=${departments.aftersales}`),
    );
    const promise = before.rules.find((r) => r.kind === 'promise')!;
    expect(promise.enabled).toBe(true);
    const after = QualityConfig.parse(
      await ok('super01', 'PUT', QUALITY_REST.rule, {
        departmentId: departments.aftersales,
        rule: { ...promise, enabled: false },
      }),
    );
    expect(after.rules.find((r) => r.kind === 'promise')!.enabled).toBe(false);
    const today = server.clock.now.toISOString().slice(0, 10);
    for (const who of ['super01', 'super02'])
      await ok(who, 'POST', QUALITY_REST.recheck, { from: today, to: today });
    expect((await detail('super01', 'ticket', promiseTicket)).findings.map((f) => f.rule)).not.toContain(
      'promise',
    );
    // Billing's rules are its own: the same kind of promise is still found there.
    expect((await detail('admin', 'ticket', billingTicket)).findings.map((f) => f.rule)).toContain('promise');
    const audit = await auditRecords(db, { action: 'quality.rule' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(ids.super01);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({
      kind: 'promise',
      before: { enabled: true },
      after: { enabled: false },
    });
  });

  it('samples, scores and returns a review the agent sees and acknowledges, and the report shows it', async () => {
    await ok('super01', 'POST', QUALITY_REST.sample, {});
    const queue = (await ok<unknown[]>('super01', 'GET', QUALITY_REST.queue)).map((x) =>
      QualityQueueItem.parse(x),
    );
    const mine = queue.filter((q) => q.agentId === ids.agent01);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThanOrEqual(5);
    expect(queue.every((q) => q.departmentId === departments.aftersales)).toBe(true);
    const item = mine[0]!;
    const review = QualityReview.parse(
      await ok('super01', 'POST', QUALITY_REST.review, {
        kind: item.kind,
        contactId: item.contactId,
        scores: { greeting: 5, understanding: 4, solution: 3, tone: 5, closing: 5, compliance: 2 },
        comment: '语气很好，但不要承诺到账日期。',
        returnToAgent: true,
      }),
    );
    // (5/5*1 + 4/5*2 + 3/5*3 + 5/5*2 + 5/5*1 + 2/5*2) / 11 = 8.2 / 11 = 0.745…
    expect(review.total).toBe(74.5);
    const seen = QualityMine.parse(await ok('agent01', 'GET', QUALITY_REST.mine));
    expect(seen.unacknowledged).toBe(1);
    expect(seen.reviews[0]).toMatchObject({
      total: 74.5,
      comment: '语气很好，但不要承诺到账日期。',
      reviewerId: ids.super01,
    });
    // Another agent sees none of it, nor can acknowledge it.
    expect(QualityMine.parse(await ok('agent02', 'GET', QUALITY_REST.mine)).reviews).toEqual([]);
    expect((await api('agent02', 'POST', QUALITY_REST.acknowledge, { reviewId: review.id })).status).toBe(
      404,
    );
    const acked = QualityMine.parse(
      await ok('agent01', 'POST', QUALITY_REST.acknowledge, { reviewId: review.id }),
    );
    expect(acked.unacknowledged).toBe(0);
    expect(acked.reviews[0]!.acknowledgedAt).not.toBeNull();
    // No longer pending in the queue.
    const pending = (await ok<{ contactId: string }[]>('super01', 'GET', QUALITY_REST.queue)).map(
      (q) => q.contactId,
    );
    expect(pending).not.toContain(item.contactId);

    const day = (d: number) =>
      new Date(server.clock.now.getTime() + d * 86_400_000).toISOString().slice(0, 10);
    const report = ReportResult.parse(
      await ok(
        'super01',
        'GET',
        `${REPORTS_REST.report}?interval=day&dimension=agent&from=${day(-2)}&to=${day(1)}`,
      ),
    );
    const row = report.quality!.find((q) => q.key === ids.agent01)!;
    expect(row).toMatchObject({ reviews: 1, scoreAverage: 74.5 });
    expect(row.findings).toBeGreaterThan(0);
    expect(report.labels[ids.agent01!]).toBeDefined();
  });

  it('lets no agent review, and no supervisor see or change another department', async () => {
    expect((await api('agent01', 'GET', QUALITY_REST.queue)).status).toBe(403);
    expect(
      (await api('agent01', 'GET', `${QUALITY_REST.contact}?kind=ticket&id=${promiseTicket}`)).status,
    ).toBe(403);
    expect(
      (
        await api('agent01', 'POST', QUALITY_REST.review, {
          kind: 'ticket',
          contactId: promiseTicket,
          scores: {},
          comment: '',
          returnToAgent: true,
        })
      ).status,
    ).toBe(403);
    // super02 runs another department: After-sales' contacts, rules and queue are not theirs.
    expect(
      (await api('super02', 'GET', `${QUALITY_REST.contact}?kind=ticket&id=${promiseTicket}`)).status,
    ).toBe(404);
    expect(
      (await api('super02', 'GET', `${QUALITY_REST.config}?departmentId=${departments.aftersales}`)).status,
    ).toBe(403);
    const rule = {
      kind: 'forbidden',
      enabled: false,
      severity: 'major',
      phrases: [],
      patterns: [],
      threshold: null,
    };
    expect(
      (await api('super02', 'PUT', QUALITY_REST.rule, { departmentId: departments.aftersales, rule })).status,
    ).toBe(403);
    const theirs = await ok<{ departmentId: string }[]>('super02', 'GET', `${QUALITY_REST.queue}?state=all`);
    expect(theirs.some((q) => q.departmentId === departments.aftersales)).toBe(false);
    // A pattern that does not compile is refused with the reason.
    const bad = await api<{ error: { message: string } }>('super01', 'PUT', QUALITY_REST.rule, {
      departmentId: departments.aftersales,
      rule: { ...rule, patterns: ['(unclosed'] },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('not a valid regular expression');
  });
});

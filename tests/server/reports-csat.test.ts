// Customer satisfaction (issue 14): a call's customer rates it once through a one-time link the agent asks
// for; a chat's visitor rates it from the widget when it has ended. Both are recorded on the interaction and
// show in the reports.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../src/shared';
import { CallRatingLink, REPORTS_REST, ReportResult } from '../../src/shared/protocol/reports';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { saveInteraction } from '../../src/server/voice/interaction-store';
import { Visitor } from './chat-visitor-client';
import { login, postJson, startTestServer, type TestServer } from './helpers';
import { until } from './voice-helpers';

const ZONE = 'Asia/Shanghai';
let server: TestServer;
let db: Db;
let agent01: LoginResponse;
let agent02: LoginResponse;
let super01: LoginResponse;
const callId = randomUUID();

beforeAll(async () => {
  server = await startTestServer({
    tickets: 20,
    customers: 10,
    chatRouting: { bot: false },
    // A call agent01 answered an hour ago, as the voice service records one.
    prepare: async (d) => {
      const agent = await d
        .selectFrom('users')
        .select(['id', 'department_id'])
        .where('username', '=', 'agent01')
        .executeTakeFirstOrThrow();
      const ring = Date.now() - 3_600_000;
      await d.transaction().execute((trx) =>
        saveInteraction(trx, {
          id: callId,
          callId: `call-${callId}`,
          direction: 'inbound',
          callerNumber: '+8613800000001',
          calleeNumber: '8001',
          queueNumber: '8001',
          departmentId: agent.department_id!,
          agentId: agent.id,
          customerId: null,
          status: 'ended',
          ringAt: new Date(ring).toISOString(),
          answerAt: new Date(ring + 8_000).toISOString(),
          endAt: new Date(ring + 200_000).toISOString(),
          holdSeconds: 0,
          disposition: 'resolved',
          notes: null,
          ticketId: null,
          completedAt: new Date(ring + 230_000).toISOString(),
        }),
      );
    },
  });
  db = openDatabase(server.dbPath);
  [agent01, agent02, super01] = await Promise.all([
    login(server.url, 'agent01'),
    login(server.url, 'agent02'),
    login(server.url, 'super01'),
  ]);
});
afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

const today = () => DateTime.now().setZone(ZONE).toISODate()!;
const yesterday = () => DateTime.now().setZone(ZONE).minus({ days: 1 }).toISODate()!;

async function agentTotals(key: string) {
  const q = new URLSearchParams({ interval: 'day', dimension: 'agent', from: yesterday(), to: today() });
  const res = await fetch(`${server.url}${REPORTS_REST.report}?${q}`, {
    headers: { authorization: `Bearer ${super01.accessToken}` },
  });
  return ReportResult.parse(await res.json()).totals.find((t) => t.key === key)?.figures;
}

describe('customer satisfaction', () => {
  it("takes a call's rating once through the link its agent asked for, and reports it", async () => {
    const before = await agentTotals(agent01.user.id);
    expect(before).toMatchObject({ volume: 1, answered: 1, csatCount: 0, slaMet: 1, slaTotal: 1 });
    expect(before!.handleAvgSeconds).toBe(222);
    // Only the call's agent (or a supervisor of its department) may ask.
    const other = await postJson(
      `${server.url}${REPORTS_REST.callRatingLink}`,
      { interactionId: callId },
      { authorization: `Bearer ${agent02.accessToken}` },
    );
    expect(other.status).toBe(404);
    const res = await postJson(
      `${server.url}${REPORTS_REST.callRatingLink}`,
      { interactionId: callId },
      { authorization: `Bearer ${agent01.accessToken}` },
    );
    expect(res.status).toBe(201);
    const link = CallRatingLink.parse(res.body);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const n of [1, 2, 3, 4, 5]) expect(html).toContain(`name="score" value="${n}"`);
    const rate = (score: string) =>
      fetch(link.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `score=${score}`,
      });
    expect((await rate('9')).status).toBe(400);
    const done = await rate('4');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Thank you');
    // Once only.
    expect((await rate('1')).status).toBe(410);
    const row = await db
      .selectFrom('interactions')
      .select(['csat'])
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    expect(row.csat).toBe(4);
    expect(await agentTotals(agent01.user.id)).toMatchObject({ csatCount: 1, csatAverage: 4 });
  });

  it('takes the rating of an ended chat from its visitor, once', async () => {
    const v = await Visitor.open(server.url, server.url);
    try {
      const w = await v.hello('demo');
      await v.say('c-1', 'Where is my parcel?');
      v.send({ type: 'handoff', ref: 'h-1' });
      const session = await until(async () =>
        db
          .selectFrom('chat_sessions')
          .select(['id'])
          .where('visitor_id', '=', w.visitorId)
          .executeTakeFirst(),
      );
      await server.chat.assign(session.id, agent01.user.id);
      await server.chat.agentSend(session.id, agent01.user.id, {
        clientId: randomUUID(),
        text: '您好，我来查一下。',
      });
      const rateChat = (score: number, token = w.token!) =>
        fetch(`${server.url}${REPORTS_REST.chatRating}?site=demo`, {
          method: 'POST',
          headers: {
            origin: server.url,
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ score }),
        });
      // Not before it has ended.
      expect((await rateChat(5)).status).toBe(409);
      v.send({ type: 'end', ref: 'e-1' });
      const rec = await until(async () =>
        db
          .selectFrom('chat_interactions')
          .select(['id'])
          .where('session_id', '=', session.id)
          .executeTakeFirst(),
      );
      expect((await rateChat(5, 'not-a-token')).status).toBe(401);
      expect((await rateChat(5)).status).toBe(204);
      expect((await rateChat(1)).status).toBe(409);
      const stored = await db
        .selectFrom('chat_interactions')
        .select('csat')
        .where('id', '=', rec.id)
        .executeTakeFirstOrThrow();
      expect(stored.csat).toBe(5);
      const chat = await until(async () => {
        const q = new URLSearchParams({
          interval: 'day',
          dimension: 'channel',
          from: yesterday(),
          to: today(),
        });
        const res = await fetch(`${server.url}${REPORTS_REST.report}?${q}`, {
          headers: { authorization: `Bearer ${super01.accessToken}` },
        });
        return ReportResult.parse(await res.json()).totals.find((t) => t.key === 'chat')?.figures;
      });
      expect(chat).toMatchObject({ volume: 1, answered: 1, abandoned: 0, csatCount: 1, csatAverage: 5 });
    } finally {
      v.close();
    }
  });
});

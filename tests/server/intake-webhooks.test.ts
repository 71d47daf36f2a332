// Messaging webhooks (src/server/intake): a signed message becomes the customer's comment on their open ticket
// of that channel, forged, replayed and stale requests are refused and change nothing, malformed or oversized
// bodies get a clear JSON error, and an agent's public reply reaches the channel's receiver signed, retried
// while the receiver is down.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSocket,
  pushAll,
  reopenTestServer,
  startSecondNode,
  TEST_DIALECT,
  type TestServer,
} from './helpers';
import { call, closedPort, Receiver, startIntakeServer, tokenOf, until, withDb } from './intake-helpers';

let server: TestServer;
let adminToken: string;
let agent: { token: string; user: { id: string; departmentId: string | null } };
let department: string;
const receiver = new Receiver();
let receiverPort: number;

beforeAll(async () => {
  server = await startIntakeServer();
  adminToken = (await tokenOf(server.url, 'admin')).token;
  agent = await tokenOf(server.url, 'agent09');
  department = agent.user.departmentId!;
  receiverPort = await receiver.listen();
});
afterAll(async () => {
  await receiver.close();
  await server?.stop();
});

async function makeChannel(kind: 'json' | 'wecom', outboundUrl: string | null) {
  const r = await call(server.url, 'POST', '/api/admin/intake/channels', adminToken, {
    name: `${kind} test`,
    kind,
    departmentId: department,
    outboundUrl,
  });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, secret: r.body.secret as string };
}

const seconds = () => String(Math.floor(server.clock.now.getTime() / 1000));
const newNonce = () => randomBytes(9).toString('base64url');

/** Signs as a sender would, independently of the server's code: HMAC-SHA256 of timestamp.nonce.body. */
function jsonHeaders(secret: string, body: string, ts = seconds(), nonce = newNonce()) {
  const signature = createHmac('sha256', secret).update(`${ts}.${nonce}.${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-switchboard-timestamp': ts,
    'x-switchboard-nonce': nonce,
    'x-switchboard-signature': signature,
  };
}

async function postJsonMessage(
  channel: { id: string; secret: string },
  body: string,
  headers?: Record<string, string>,
) {
  return call(
    server.url,
    'POST',
    `/api/intake/webhooks/${channel.id}`,
    null,
    body,
    headers ?? jsonHeaders(channel.secret, body),
  );
}

const message = (messageId: string, from: string, text: string) =>
  JSON.stringify({ messageId, from: { id: from, name: '微信用户 Lin' }, text });

async function ticketOf(id: string) {
  const r = await call(server.url, 'GET', `/api/tickets/${id}`, agent.token);
  expect(r.status).toBe(200);
  return r.body as {
    ticket: { customerId: string; departmentId: string; channel: string };
    comments: { authorId: string | null; body: string; internal: boolean }[];
  };
}

const commentCount = () =>
  withDb(server, async (db) =>
    Number(
      (
        await db
          .selectFrom('ticket_comments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );

describe('generic JSON webhook', () => {
  let channel: { id: string; secret: string };
  beforeAll(async () => {
    channel = await makeChannel('json', `http://127.0.0.1:${receiverPort}/replies`);
  });

  it('files a signed message as the sender’s ticket, and the next message from them in the same ticket', async () => {
    const first = await postJsonMessage(channel, message('m-1', 'wx-user-1', '快递还没到，订单 8812'));
    expect(first.status).toBe(201);
    const ticketId = first.body.ticketId as string;
    const t = await ticketOf(ticketId);
    expect(t.ticket.departmentId).toBe(department);
    expect(t.ticket.channel).toBe('chat');
    expect(t.comments).toEqual([
      expect.objectContaining({ authorId: null, body: '快递还没到，订单 8812', internal: false }),
    ]);
    // The customer is the one this sender id maps to (customerForContact's external id).
    const mapped = await withDb(server, (db) =>
      db
        .selectFrom('customer_external_ids')
        .selectAll()
        .where('external_id', '=', 'wx-user-1')
        .executeTakeFirstOrThrow(),
    );
    expect(mapped.customer_id).toBe(t.ticket.customerId);
    expect(mapped.department_id).toBe(department);

    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    const second = await postJsonMessage(channel, message('m-2', 'wx-user-1', '还有，地址写错了'));
    expect(second.status).toBe(201);
    expect(second.body.ticketId).toBe(ticketId);
    expect((await ticketOf(ticketId)).comments.map((c) => c.body)).toEqual([
      '快递还没到，订单 8812',
      '还有，地址写错了',
    ]);

    // Another sender gets a ticket (and customer) of their own.
    const other = await postJsonMessage(channel, message('m-3', 'wx-user-2', 'Hello'));
    expect(other.body.ticketId).not.toBe(ticketId);
    expect((await ticketOf(other.body.ticketId as string)).ticket.customerId).not.toBe(t.ticket.customerId);
  });

  it('opens again a ticket pending on the customer when they write', async () => {
    const first = await postJsonMessage(channel, message('m-p1', 'wx-user-9', '退款到哪了？'));
    const ticketId = first.body.ticketId as string;
    const socket = await connectSocket(server.url, agent.token);
    try {
      const t = await call(server.url, 'GET', `/api/tickets/${ticketId}`, agent.token);
      const version = (t.body as { ticket: { version: number } }).ticket.version;
      const [r] = await pushAll(socket, [
        {
          id: crypto.randomUUID(),
          name: 'ticket.update',
          args: { ticketId, baseVersion: version, patch: { status: 'pending' } },
        },
      ]);
      expect(r!.status).toBe('applied');
    } finally {
      socket.close();
    }
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    const answer = await postJsonMessage(channel, message('m-p2', 'wx-user-9', '订单号 5521'));
    expect(answer.body.ticketId).toBe(ticketId);
    const t = await call(server.url, 'GET', `/api/tickets/${ticketId}`, agent.token);
    const body = t.body as {
      ticket: { status: string };
      history: { field: string; from: string | null; to: string | null }[];
    };
    expect(body.ticket.status).toBe('open');
    expect(body.history.at(-1)).toMatchObject({ field: 'status', from: 'pending', to: 'open' });
  });

  it('takes a message id once: the platform’s retry (new nonce) is answered alike and adds nothing', async () => {
    const first = await postJsonMessage(channel, message('m-dup', 'wx-user-3', 'once'));
    const before = await commentCount();
    const again = await postJsonMessage(channel, message('m-dup', 'wx-user-3', 'once'));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ticketId: first.body.ticketId, duplicate: true });
    expect(await commentCount()).toBe(before);
  });

  it('refuses a forged signature (401) and changes nothing', async () => {
    const before = await commentCount();
    const body = message('m-forged', 'wx-user-1', 'forged');
    const r = await postJsonMessage(channel, body, jsonHeaders('not-the-channel-secret-at-all', body));
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/signature/) });
    // A body changed after signing is as forged.
    const signed = jsonHeaders(channel.secret, body);
    const tampered = await postJsonMessage(channel, body.replace('forged', 'tampered'), signed);
    expect(tampered.status).toBe(401);
    expect(await commentCount()).toBe(before);
  });

  it('refuses a replayed request (same nonce), also after a restart, and a stale timestamp', async () => {
    const body = message('m-replay', 'wx-user-4', 'pay me');
    const headers = jsonHeaders(channel.secret, body);
    expect((await postJsonMessage(channel, body, headers)).status).toBe(201);
    const before = await commentCount();
    // The same signed request again, even re-signed content with the same nonce, is a replay.
    const replay = await postJsonMessage(channel, body, headers);
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/nonce was used/);
    const body2 = message('m-replay-2', 'wx-user-4', 'again');
    const sameNonce = await postJsonMessage(
      channel,
      body2,
      jsonHeaders(channel.secret, body2, seconds(), headers['x-switchboard-nonce']),
    );
    expect(sameNonce.status).toBe(401);

    const stale = String(Math.floor(server.clock.now.getTime() / 1000) - 6 * 60);
    const old = await postJsonMessage(channel, body2, jsonHeaders(channel.secret, body2, stale));
    expect(old.status).toBe(401);
    expect(old.body.message).toMatch(/timestamp/);
    expect(await commentCount()).toBe(before);

    // The nonces are in the database, not the process: a restarted service still refuses the replay.
    await server.close();
    server = await reopenTestServer(server);
    expect((await postJsonMessage(channel, body, headers)).status).toBe(401);
    expect(await commentCount()).toBe(before);
  });

  // Several nodes share one PostgreSQL: a nonce used on one is used on all, even when both get it at once.
  it.runIf(TEST_DIALECT === 'postgres')(
    'refuses on a second node a nonce the first took, also at the same moment',
    async () => {
      const second = await startSecondNode(server);
      try {
        const body = message('m-nodes', 'wx-user-8', 'two nodes');
        const headers = jsonHeaders(channel.secret, body);
        expect((await postJsonMessage(channel, body, headers)).status).toBe(201);
        const there = await call(
          second.url,
          'POST',
          `/api/intake/webhooks/${channel.id}`,
          null,
          body,
          headers,
        );
        expect(there.status).toBe(401);
        const before = await commentCount();
        const race = message('m-race', 'wx-user-8', 'raced');
        const raced = jsonHeaders(channel.secret, race);
        const answers = await Promise.all([
          call(server.url, 'POST', `/api/intake/webhooks/${channel.id}`, null, race, raced),
          call(second.url, 'POST', `/api/intake/webhooks/${channel.id}`, null, race, raced),
        ]);
        expect(answers.map((a) => a.status).sort()).toEqual([201, 401]);
        expect(await commentCount()).toBe(before + 1);
      } finally {
        await second.close();
      }
    },
  );

  it('answers malformed and oversized bodies with a JSON error and changes nothing', async () => {
    const before = await commentCount();
    const bad = '{"messageId": "x", "from": ';
    const r1 = await postJsonMessage(channel, bad);
    expect(r1.status).toBe(400);
    expect(r1.body).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/JSON/) });
    const noText = JSON.stringify({ messageId: 'x', from: { id: 'a' } });
    const r2 = await postJsonMessage(channel, noText);
    expect(r2.status).toBe(400);
    expect(r2.body.code).toBe('bad_request');
    const huge = message('m-huge', 'wx-user-5', 'x'.repeat(70_000));
    const r3 = await postJsonMessage(channel, huge);
    expect(r3.status).toBe(400);
    expect(r3.body).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/too large/) });
    const latin1 = Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]);
    const r4 = await fetch(`${server.url}/api/intake/webhooks/${channel.id}`, {
      method: 'POST',
      headers: jsonHeaders(channel.secret, latin1.toString('latin1')),
      body: latin1,
    });
    expect(r4.status).toBe(400);
    expect(await r4.json()).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/UTF-8/) });
    expect(await commentCount()).toBe(before);
  });

  it('sends an agent’s public reply to the receiver, signed; internal notes stay in', async () => {
    const first = await postJsonMessage(channel, message('m-reply', 'wx-user-6', '请回复我'));
    const ticketId = first.body.ticketId as string;
    const socket = await connectSocket(server.url, agent.token);
    try {
      const results = await pushAll(socket, [
        {
          id: crypto.randomUUID(),
          name: 'ticket.comment',
          args: { commentId: crypto.randomUUID(), ticketId, body: '内部：查物流', internal: true },
        },
        {
          id: crypto.randomUUID(),
          name: 'ticket.comment',
          args: { commentId: crypto.randomUUID(), ticketId, body: '您好，包裹明天到。', internal: false },
        },
      ]);
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    } finally {
      socket.close();
    }
    await server.intake.deliverDue();
    await until(() => receiver.received.some((r) => r.body.includes(ticketId)), 'the reply at the receiver');
    const got = receiver.received.filter((r) => r.body.includes(ticketId));
    expect(got).toHaveLength(1);
    const r = got[0]!;
    expect(JSON.parse(r.body)).toMatchObject({ ticketId, to: 'wx-user-6', text: '您好，包裹明天到。' });
    const ts = String(r.headers['x-switchboard-timestamp']);
    const nonce = String(r.headers['x-switchboard-nonce']);
    const expected = createHmac('sha256', channel.secret).update(`${ts}.${nonce}.${r.body}`).digest('hex');
    expect(r.headers['x-switchboard-signature']).toBe(expected);
    const row = await withDb(server, (db) =>
      db
        .selectFrom('intake_outbound')
        .selectAll()
        .where('ticket_id', '=', ticketId)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('keeps a reply while the receiver is down and delivers it on a later attempt', async () => {
    const port = await closedPort();
    const down = await makeChannel('json', `http://127.0.0.1:${port}/hook`);
    const first = await postJsonMessage(down, message('m-down', 'wx-user-7', 'anyone?'));
    const ticketId = first.body.ticketId as string;
    const socket = await connectSocket(server.url, agent.token);
    try {
      await pushAll(socket, [
        {
          id: crypto.randomUUID(),
          name: 'ticket.comment',
          args: { commentId: crypto.randomUUID(), ticketId, body: 'We are on it.', internal: false },
        },
      ]);
    } finally {
      socket.close();
    }
    expect(await server.intake.deliverDue()).toBe(0);
    const pending = await withDb(server, (db) =>
      db
        .selectFrom('intake_outbound')
        .selectAll()
        .where('ticket_id', '=', ticketId)
        .executeTakeFirstOrThrow(),
    );
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.last_error).toMatch(/not reached/);
    const overview = await call(server.url, 'GET', '/api/admin/intake', adminToken);
    const listed = (overview.body.channels as { id: string; outbound: { pending: number } }[]).find(
      (c) => c.id === down.id,
    );
    expect(listed?.outbound.pending).toBe(1);

    const late = new Receiver();
    await late.listen(port);
    try {
      server.clock.now = new Date(server.clock.now.getTime() + 6_000);
      expect(await server.intake.deliverDue()).toBe(1);
      expect(late.received).toHaveLength(1);
      const r = late.received[0]!;
      const expected = createHmac('sha256', down.secret)
        .update(
          `${String(r.headers['x-switchboard-timestamp'])}.${String(r.headers['x-switchboard-nonce'])}.${r.body}`,
        )
        .digest('hex');
      expect(r.headers['x-switchboard-signature']).toBe(expected);
      expect(JSON.parse(r.body)).toMatchObject({ ticketId, text: 'We are on it.' });
    } finally {
      await late.close();
    }
  });
});

describe('WeCom-style webhook', () => {
  let channel: { id: string; secret: string };
  beforeAll(async () => {
    channel = await makeChannel('wecom', `http://127.0.0.1:${receiverPort}/wecom`);
  });

  const sign = (token: string, ts: string, nonce: string, body: string) =>
    createHash('sha1').update([token, ts, nonce, body].sort().join('')).digest('hex');
  const xml = (id: string, from: string, text: string) =>
    `<xml><ToUserName><![CDATA[corp]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>1735689600</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content>` +
    `<MsgId>${id}</MsgId></xml>`;
  const post = (body: string, token = channel.secret, nonce = newNonce(), ts = seconds()) =>
    call(
      server.url,
      'POST',
      `/api/intake/webhooks/${channel.id}?msg_signature=${sign(token, ts, nonce, body)}&timestamp=${ts}&nonce=${nonce}`,
      null,
      body,
      { 'content-type': 'text/xml' },
    );

  it('takes a signed XML text message into the sender’s ticket and answers "success"', async () => {
    const r = await post(xml('7001', 'wmEXT-1', '发票抬头要改'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ text: 'success' });
    server.clock.now = new Date(server.clock.now.getTime() + 1000);
    const again = await post(xml('7002', 'wmEXT-1', '税号 9144'));
    expect(again.status).toBe(200);
    const rows = await withDb(server, (db) =>
      db.selectFrom('intake_messages').select('ticket_id').where('channel_id', '=', channel.id).execute(),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]!.ticket_id).toBe(rows[1]!.ticket_id);
    expect((await ticketOf(rows[0]!.ticket_id)).comments.map((c) => c.body)).toEqual([
      '发票抬头要改',
      '税号 9144',
    ]);
  });

  it('answers WeCom’s signed URL check with its echostr, and refuses a forged one', async () => {
    const ts = seconds();
    const nonce = newNonce();
    const echostr = 'e' + newNonce();
    const path = (sig: string) =>
      `/api/intake/webhooks/${channel.id}?msg_signature=${sig}&timestamp=${ts}&nonce=${nonce}&echostr=${echostr}`;
    const ok = await call(server.url, 'GET', path(sign(channel.secret, ts, nonce, echostr)), null);
    expect(ok).toMatchObject({ status: 200, body: { text: echostr } });
    const forged = await call(
      server.url,
      'GET',
      path(sign('wrong-token-wrong-token', ts, nonce, echostr)),
      null,
    );
    expect(forged.status).toBe(401);
  });

  it('refuses a forged signature and a DOCTYPE, and changes nothing', async () => {
    const before = await commentCount();
    expect((await post(xml('7003', 'wmEXT-1', 'forged'), 'wrong-token-wrong-token')).status).toBe(401);
    const evil = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${xml('7004', 'wmEXT-1', '&e;')}`;
    const r = await post(evil);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/DOCTYPE/) });
    expect(await commentCount()).toBe(before);
  });
});

// Chat files (issue 13) against the real service: a visitor uploads with its widget token and sends the file in
// a message, the agent reads it; the agent uploads and sends, the visitor reads it. Files of another session or
// with a wrong token read as absent; too large or of a refused type is refused with nothing stored; what is
// served is always a download; uploads are rate limited per visitor.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/shared/chat';
import { CHAT_AGENT_FILES_PATH, CHAT_FILES_PATH, ChatSocketEvents } from '../../src/shared/chat';
import { openDatabase } from '../../src/server/db/open';
import { attachmentsFolder } from '../../src/server/email';
import { untilChained } from './audit-wait';
import { connectSocket, login, request, startTestServer, type TestServer } from './helpers';
import { Visitor } from './chat-visitor-client';

let server: TestServer;
const open: Visitor[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 5, customers: 5, chatRouting: { bot: false } });
});
afterAll(async () => {
  for (const v of open) v.close();
  await server?.stop();
});
beforeEach(() => {
  server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
});

async function stored<T>(work: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(server.dbPath);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** A visitor of the demo page with its token, and a session started by a first message. */
async function visitor() {
  const v = await Visitor.open(server.url, server.url);
  open.push(v);
  const w = await v.hello('demo');
  const ack = await v.say(`hi-${Math.random()}`, 'Hello');
  if (ack.type !== 'ack') throw new Error(ack.message);
  return { v, token: w.token!, sessionId: ack.message.sessionId };
}

function upload(
  token: string,
  name: string,
  type: string,
  body: Uint8Array<ArrayBuffer> | string,
  origin = server.url,
) {
  return fetch(`${server.url}${CHAT_FILES_PATH}?site=demo`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': type,
      'x-file-name': encodeURIComponent(name),
      origin,
    },
    body: typeof body === 'string' ? body : new Blob([body]),
  });
}

const download = (token: string, id: string, origin = server.url) =>
  fetch(`${server.url}${CHAT_FILES_PATH}/${id}?site=demo`, {
    headers: { authorization: `Bearer ${token}`, origin },
  });

const countFiles = () =>
  stored((db) => db.selectFrom('attachments').select('id').execute()).then((r) => r.length);

async function agent01() {
  const s = await login(server.url, 'agent01');
  return { token: s.accessToken, id: s.user.id };
}

describe('chat files', () => {
  it('visitor uploads, sends, the agent downloads; the agent uploads, sends over the chat socket, the visitor downloads', async () => {
    const { v, token, sessionId } = await visitor();
    const agent = await agent01();
    await server.chat.assign(sessionId, agent.id);

    const pdf = Buffer.from('%PDF-1.4\n% order receipt\n');
    const up = await upload(token, '收据 receipt.pdf', 'application/pdf', pdf);
    expect(up.status).toBe(201);
    expect(up.headers.get('access-control-allow-origin')).toBe(server.url);
    const ref = (await up.json()) as { id: string; name: string; size: number; type: string };
    expect(ref).toMatchObject({ name: '收据 receipt.pdf', size: pdf.length, type: 'application/pdf' });

    v.send({ type: 'send', clientId: 'with-file', text: '', attachments: [ref.id] });
    const ack = await v.next('ack', (f) => f.clientId === 'with-file');
    expect(ack.message.attachments).toEqual([ref]);

    const got = await fetch(`${server.url}${CHAT_AGENT_FILES_PATH}/${ref.id}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(pdf);
    expect(got.headers.get('content-disposition')).toContain('attachment');
    // Recorded with the download. Read once chained: reading the chain and then the pending records could miss one
    // the chainer moved in between (it did on PostgreSQL).
    const audited = await stored(async (db) => {
      await untilChained(db);
      return db
        .selectFrom('audit_log')
        .select(['action', 'actor_id'])
        .where('subject_id', '=', ref.id)
        .execute();
    });
    expect(audited).toEqual([{ action: 'chat.file.download', actor_id: agent.id }]);

    // The agent's file: uploaded over REST, sent as a ref over the chat socket, read by the visitor.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const agentUp = await fetch(`${server.url}/api/chat/sessions/${sessionId}/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agent.token}`,
        'content-type': 'image/png',
        'x-file-name': 'label.png',
      },
      body: new Blob([png]),
    });
    expect(agentUp.status).toBe(201);
    const aref = (await agentUp.json()) as { id: string };
    const socket = await connectSocket(server.url, agent.token);
    try {
      // The desktop's claim about the file is not believed: name and size come from the store.
      const sent = await request<ChatMessage>(socket, ChatSocketEvents.send, {
        chatId: sessionId,
        clientId: 'agent-file',
        text: 'Your label',
        attachments: [{ id: aref.id, name: 'evil.html', size: 1, type: 'text/html' }],
      });
      if (!sent.ok) throw new Error(sent.error.message);
      expect(sent.data.attachments).toEqual([
        { id: aref.id, name: 'label.png', size: png.length, type: 'image/png' },
      ]);
      // A file of another chat cannot be sent by reference.
      const other = await visitor();
      const otherUp = (await (await upload(other.token, 'a.txt', 'text/plain', 'x')).json()) as {
        id: string;
      };
      const stolen = await request<ChatMessage>(socket, ChatSocketEvents.send, {
        chatId: sessionId,
        clientId: 'agent-steal',
        text: 'look',
        attachments: [{ id: otherUp.id, name: 'a.txt', size: 1, type: 'text/plain' }],
      });
      expect(stolen.ok).toBe(false);
    } finally {
      socket.close();
    }
    const msg = await v.next('message', (f) => f.message.clientId === 'agent-file');
    expect(msg.message.attachments[0]!.id).toBe(aref.id);
    const back = await download(token, aref.id);
    expect(back.status).toBe(200);
    expect(Buffer.from(await back.arrayBuffer())).toEqual(png);
  });

  it('reads as absent with a wrong token, from another session or another site’s page', async () => {
    const a = await visitor();
    const b = await visitor();
    const ref = (await (await upload(a.token, 'a.txt', 'text/plain', 'secret of a')).json()) as {
      id: string;
    };
    expect((await download(a.token, ref.id)).status).toBe(200);
    expect((await download(b.token, ref.id)).status).toBe(404);
    expect((await download('not-a-token', ref.id)).status).toBe(401);
    expect((await download(a.token, ref.id, 'https://evil.example')).status).toBe(403);
    expect((await upload(a.token, 'b.txt', 'text/plain', 'x', 'https://evil.example')).status).toBe(403);
    // A cross-site page's preflight is answered with CORS only for origins on the site's allowlist.
    const preflight = (origin: string) =>
      fetch(`${server.url}${CHAT_FILES_PATH}?site=demo`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, x-file-name',
        },
      });
    expect((await preflight(server.url)).headers.get('access-control-allow-origin')).toBe(server.url);
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    // Visitor b cannot send a's file in its own message either.
    b.v.send({ type: 'send', clientId: 'steal', text: 'mine', attachments: [ref.id] });
    expect((await b.v.next('error', (f) => f.clientId === 'steal')).code).toBe('bad_request');
    // Nor the upload of a visitor who has not chatted yet (in no session until its message).
    const fresh = await Visitor.open(server.url, server.url);
    open.push(fresh);
    const freshToken = (await fresh.hello('demo')).token!;
    const early = (await (await upload(freshToken, 'c.txt', 'text/plain', 'c')).json()) as { id: string };
    b.v.send({ type: 'send', clientId: 'steal-early', text: 'mine', attachments: [early.id] });
    expect((await b.v.next('error', (f) => f.clientId === 'steal-early')).code).toBe('bad_request');
    expect((await download(b.token, early.id)).status).toBe(404);
    // Its own message takes it into its session, where it reads it.
    const sent = await fresh.say('own-early', '');
    expect(sent.type).toBe('error');
    fresh.send({ type: 'send', clientId: 'own-file', text: '', attachments: [early.id] });
    expect((await fresh.next('ack', (f) => f.clientId === 'own-file')).message.attachments[0]!.id).toBe(
      early.id,
    );
    expect((await download(freshToken, early.id)).status).toBe(200);
    // An agent of another department does not see it; the after-sales supervisor (the demo site's) does.
    const assigned = await agent01();
    await server.chat.assign(a.sessionId, assigned.id);
    {
      a.v.send({ type: 'send', clientId: 'a-file', text: '', attachments: [ref.id] });
      await a.v.next('ack', (f) => f.clientId === 'a-file');
    }
    const asAgent = async (username: string) =>
      (
        await fetch(`${server.url}${CHAT_AGENT_FILES_PATH}/${ref.id}`, {
          headers: { authorization: `Bearer ${(await login(server.url, username)).accessToken}` },
        })
      ).status;
    expect(await asAgent('agent05')).toBe(404);
    expect(await asAgent('super02')).toBe(404);
    expect(await asAgent('super01')).toBe(200);
    expect(await asAgent('agent01')).toBe(200);
    // A chat file's id never reads through the tickets' download route.
    const agent = await agent01();
    const viaTickets = await fetch(`${server.url}/api/attachments/${ref.id}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(viaTickets.status).toBe(404);
  });

  it('refuses a file too large or of a refused type, storing nothing', async () => {
    const { token } = await visitor();
    const before = await countFiles();
    const folder = attachmentsFolder(server.dbPath);
    const filesBefore = (() => {
      try {
        return readdirSync(folder).length;
      } catch {
        return 0;
      }
    })();
    const big = await upload(token, 'big.pdf', 'application/pdf', Buffer.alloc(10 * 1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('too_large');
    const svg = await upload(token, 'x.svg', 'image/svg+xml', '<svg onload="alert(1)"/>');
    expect(svg.status).toBe(415);
    expect(((await svg.json()) as { code: string; message: string }).code).toBe('file_type');
    const html = await upload(token, 'x.html', 'text/html', '<script>alert(1)</script>');
    expect(html.status).toBe(415);
    expect(await countFiles()).toBe(before);
    const filesAfter = (() => {
      try {
        return readdirSync(folder).length;
      } catch {
        return 0;
      }
    })();
    expect(filesAfter).toBe(filesBefore);
  });

  it('serves HTML sent as text only as a download under a name that opens as text', async () => {
    const { token } = await visitor();
    const up = await upload(token, 'page.html', 'text/plain', '<script>alert(document.cookie)</script>');
    const ref = (await up.json()) as { id: string };
    const res = await download(token, ref.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent('page.html.txt')}`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('rate limits uploads per visitor and says when to retry', async () => {
    const { token } = await visitor();
    const statuses: number[] = [];
    let retry: number | undefined;
    for (let i = 0; i < 8; i++) {
      const r = await upload(token, `f${i}.txt`, 'text/plain', `file ${i}`);
      statuses.push(r.status);
      if (r.status === 429) retry = ((await r.json()) as { retryAfterSeconds: number }).retryAfterSeconds;
    }
    expect(statuses.filter((s) => s === 201).length).toBe(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(retry).toBeGreaterThan(0);
  });

  it('rate limits uploads per address across its visitors', async () => {
    const visitors = [];
    for (let i = 0; i < 5; i++) visitors.push(await visitor());
    const statuses: number[] = [];
    let message = '';
    for (const v of visitors)
      for (let i = 0; i < 5; i++) {
        const r = await upload(v.token, `f${i}.txt`, 'text/plain', `file ${i}`);
        statuses.push(r.status);
        if (r.status === 429) message = ((await r.json()) as { message: string }).message;
      }
    // Four visitors' five each fill the address's twenty; the fifth visitor, within its own limit, is refused.
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
    expect(message).toMatch(/from this address/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_FILE_MAX_BYTES, CHAT_FILES_PATH } from '../../../src/shared/chat';
import type { ChatDeskState } from '../../../src/shared/ipc/chat-desk';
import { openDatabase } from '../../../src/server/db/open';
import { startTestServer, type TestServer } from '../../server/helpers';
import { Visitor } from '../../server/chat-visitor-client';
import { tempDir } from '../fixtures';
import { desktop, signIn, waitFor, type TestDesktop } from '../sync/helpers';

/*
 * Chat files through the desktop services against the real service (issue 13): the agent's file goes up through
 * chat.upload and out with chat.send (a file alone is a message); the visitor's file comes down through chat.file;
 * the IPC boundary refuses a type chat does not take and a file over the limit before anything reaches the server.
 */

let server: TestServer;
let dir: ReturnType<typeof tempDir>;
let agent: TestDesktop;

const lastState = (d: TestDesktop) =>
  [...d.events].reverse().find((e) => e.event === 'chat.state')?.payload as ChatDeskState | undefined;

beforeAll(async () => {
  server = await startTestServer({ tickets: 5, customers: 5 });
  dir = tempDir();
  agent = desktop(dir.path);
  await signIn(agent, server.url, 'agent01');
  const status = await agent.call('agent.status', {});
  if (status && status.state !== 'Available')
    await agent.call('agent.setState', { state: 'Available', version: status.version });
}, 60_000);

afterAll(async () => {
  await agent?.services.dispose();
  await server?.stop();
  dir?.remove();
});

const fileCount = async () => {
  const db = openDatabase(server.dbPath);
  try {
    return (await db.selectFrom('attachments').select('id').execute()).length;
  } finally {
    await db.destroy();
  }
};

describe('chat files on the desktop', () => {
  it('uploads and sends the agent’s file, saves the visitor’s, and refuses wrong types and sizes at the boundary', async () => {
    const visitor = await Visitor.open(server.url, server.url);
    const welcome = await visitor.hello('demo');
    const up = await fetch(`${server.url}${CHAT_FILES_PATH}?site=demo`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${welcome.token}`,
        'content-type': 'text/plain',
        'x-file-name': encodeURIComponent('订单.txt'),
        origin: server.url,
      },
      body: '订单 12345',
    });
    const vref = (await up.json()) as { id: string };
    visitor.send({ type: 'send', clientId: 'v-file', text: '看附件', attachments: [vref.id] });
    visitor.send({ type: 'handoff' });
    await waitFor(async () => (lastState(agent)?.offers.length ?? 0) > 0, 'the chat offered to agent01');
    const chat = await agent.call('chat.accept', { offerId: lastState(agent)!.offers[0]!.offerId });

    const file = await agent.call('chat.file', { id: vref.id });
    expect(Buffer.from(file.base64, 'base64').toString()).toBe('订单 12345');
    expect(file.fileName).toBe('订单.txt');

    const ref = await agent.call('chat.upload', {
      chatId: chat.id,
      name: 'label.pdf',
      type: 'application/pdf',
      base64: Buffer.from('%PDF-1.4 label').toString('base64'),
    });
    expect(ref).toMatchObject({ name: 'label.pdf', type: 'application/pdf', size: 14 });
    const sent = await agent.call('chat.send', { chatId: chat.id, text: '', attachments: [ref] });
    expect(sent.message?.attachments).toEqual([ref]);
    const got = await visitor.next('message', (f) => f.message.attachments[0]?.id === ref.id);
    expect(got.message.sender).toBe('agent');

    const before = await fileCount();
    await expect(
      agent.call('chat.upload', { chatId: chat.id, name: 'x.html', type: 'text/html', base64: 'PGI+' }),
    ).rejects.toThrow(/bad_request.*cannot be sent in a chat/);
    const big = Buffer.alloc(CHAT_FILE_MAX_BYTES + 3).toString('base64');
    await expect(
      agent.call('chat.upload', { chatId: chat.id, name: 'big.pdf', type: 'application/pdf', base64: big }),
    ).rejects.toThrow(/bad_request.*a chat file may be/);
    expect(await fileCount()).toBe(before);
    visitor.close();
  });
});

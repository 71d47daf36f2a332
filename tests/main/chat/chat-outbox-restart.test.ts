import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/app';
import { EncryptorVault } from '../../../src/main/vault';
import type { ChatDeskState } from '../../../src/shared/ipc/chat-desk';
import { Visitor } from '../../server/chat-visitor-client';
import { aesEncryptor, tempDir } from '../fixtures';
import { desktop, signIn, startDemoServer, waitFor, type TestDesktop } from '../sync/helpers';

/*
 * Chat messages the agent wrote during an outage survive a restart of the desktop services (Electron quit, the
 * browser-mode host restarted): the outbox is in the session's replica (migration 019). Against the real service,
 * stopped for the outage and started again on the same port and database.
 */

let dir: ReturnType<typeof tempDir>;
let server: RunningServer;
let port = 0;
let vault: EncryptorVault;
let agent: TestDesktop;
const dbPath = () => join(dir.path, 'server.sqlite');
const start = async () => {
  server = await startDemoServer(dbPath(), port);
  port = server.port;
};
const open = () => desktop(join(dir.path, 'a1'), { vault, deviceId: 'agent-device' });
const lastState = (d: TestDesktop) =>
  [...d.events].reverse().find((e) => e.event === 'chat.state')?.payload as ChatDeskState | undefined;

beforeAll(async () => {
  dir = tempDir('sb-chat-outbox-');
  await start();
  vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'vault'));
  agent = open();
  await signIn(agent, server.url, 'agent01', true);
  const status = await agent.call('agent.status', {});
  if (status && status.state !== 'Available') {
    await agent.call('agent.setState', { state: 'Available', version: status.version });
  }
}, 90_000);

afterAll(async () => {
  await agent?.services.dispose();
  await server?.close();
  dir?.remove();
});

describe('chat outbox across a restart of the desktop services', () => {
  it('what the agent wrote offline is sent once, in order, after a restart; a discarded one never', async () => {
    const visitor = await Visitor.open(server.url, server.url);
    visitor.send({ type: 'hello', site: 'demo', since: 0, language: 'zh-CN' });
    await visitor.next('welcome');
    visitor.send({ type: 'identify', identity: { name: '李雷', phone: '13800138001' } });
    visitor.send({ type: 'send', clientId: 'v-1', text: '我的快递丢了' });
    visitor.send({ type: 'handoff' });
    await waitFor(async () => (lastState(agent)?.offers.length ?? 0) > 0, 'the chat offered to agent01');
    const chat = await agent.call('chat.accept', { offerId: lastState(agent)!.offers[0]!.offerId });
    visitor.close();

    await server.close();
    await waitFor(async () => lastState(agent)?.online === false, 'the desktop offline');

    const one = await agent.call('chat.send', { chatId: chat.id, text: '第一条：我来查一下' });
    const two = await agent.call('chat.send', { chatId: chat.id, text: 'second: never mind this one' });
    const three = await agent.call('chat.send', { chatId: chat.id, text: 'third: found it' });
    expect([one.message, two.message, three.message]).toEqual([null, null, null]);
    await agent.call('chat.discard', { clientId: two.clientId });

    // The desktop services stop while the server is still down; the remembered session comes back.
    await agent.services.dispose();
    agent = open();
    expect((await agent.call('auth.restore', {}))?.user.username).toBe('agent01');
    // The window shows them again as waiting, in the order written.
    expect((await agent.call('chat.state', {})).pending.map((p) => [p.clientId, p.text, p.state])).toEqual([
      [one.clientId, '第一条：我来查一下', 'queued'],
      [three.clientId, 'third: found it', 'queued'],
    ]);

    await start();
    await waitFor(
      async () => lastState(agent)?.online === true && lastState(agent)!.pending.length === 0,
      'the kept messages sent',
    );
    const fromAgent = (await agent.call('chat.history', { chatId: chat.id, since: 0 })).messages
      .filter((m) => m.sender === 'agent')
      .map((m) => m.text);
    expect(fromAgent).toEqual(['第一条：我来查一下', 'third: found it']);

    // Another restart finds nothing left to send: the acknowledged ones left the replica.
    await agent.services.dispose();
    agent = open();
    await agent.call('auth.restore', {});
    expect((await agent.call('chat.state', {})).pending).toEqual([]);
  }, 120_000);
});

// Issue 14, one truthful agent state, on the desktop services against a real central service: the softphone's
// registration reaches the server (which then routes no call to a phone that cannot ring), is told again after
// a server restart, and a state change asked while the service is down is refused, never queued.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../../src/shared/protocol/voice';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { route } from '../../server/voice-helpers';
import { tempDir } from '../fixtures';
import { desktop, waitFor, type TestDesktop } from './helpers';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let agent: TestDesktop;
const voice = { offlineGraceMs: 60_000 };

beforeAll(async () => {
  dir = tempDir('sb-agent-phone-');
  server = await startTestServer({ tickets: 20, customers: 20, voice });
  agent = desktop(join(dir.path, 'agent01'));
  await agent.call('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  await agent.waitSynced();
}, 60_000);

afterAll(async () => {
  await agent?.services.dispose();
  await server?.stop();
  dir?.remove();
});

const statusEvents = () =>
  agent.events.filter((e) => e.event === 'agent.status').map((e) => e.payload as AgentStatus);

describe('the agent state on the desktop', () => {
  it('tells the server the phone is not registered, again after a restart, and refuses changes while it is down', async () => {
    await waitFor(async () => statusEvents().length > 0, 'the status fetched on connect');
    const told = await agent.call('agent.reportPhone', { registered: false });
    expect(told).toMatchObject({ phoneRegistered: false });
    const seen = (await agent.call('agent.status', {}))!;
    await agent.call('agent.setState', { state: 'Available', version: seen.version });
    // Available, but the phone cannot ring: the queue's call goes to nobody.
    expect((await route(server.url, '8001', 'phone-1')).status).toBe(404);

    await server.close();
    await waitFor(async () => (await agent.call('sync.status', {})).state === 'offline', 'offline');
    // Nothing is queued: the state can only change where it is owned.
    const refused = await agent.services.invoke('agent.setState', {
      state: 'Offline',
      version: seen.version + 1,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    const before = statusEvents().length;
    server = await reopenTestServer(server, { voice });
    await agent.waitSynced();
    await waitFor(async () => statusEvents().length > before, 'the status after reconnecting');
    // The restarted server knows the phone is down (told again on reconnect) and says why the agent is Offline.
    const after = (await agent.call('agent.status', {}))!;
    expect(after).toMatchObject({
      state: 'Offline',
      phoneRegistered: false,
      change: { cause: 'server_start', actorId: null },
    });
  });
});

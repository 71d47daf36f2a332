// One address for the desktops (scripts/cluster.mjs): PostgreSQL, two service nodes, HAProxy in front. A real
// desktop (the desktop services the Electron shell and the browser-mode host run) syncs through HAProxy; its
// node is killed (SIGKILL, nothing tidied) while the agent keeps working; the desktop reconnects through the
// same address to the other node by itself and resumes from its cursor: nothing lost, nothing applied twice.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type RunningCluster } from '../../scripts/cluster.mjs';
import { demoData } from './demo-data';
import { tempDir } from '../main/fixtures';
import { apiLogin, desktop, serverTicket, waitFor, type TestDesktop } from '../main/sync/helpers';

let cluster: RunningCluster;
let dir: ReturnType<typeof tempDir>;
const desktops: TestDesktop[] = [];

const signIn = async (name: string, username: string) => {
  const d = desktop(join(dir.path, name), { deviceId: `device-${name}` });
  desktops.push(d);
  await d.call('auth.login', { serverUrl: cluster.url, username, password: 'switchboard', remember: false });
  await d.waitSynced();
  return d;
};

beforeAll(async () => {
  dir = tempDir('sb-cluster-');
  cluster = await startCluster({
    nodes: 2,
    seed: 'none',
    // Every new connection to the first node that is up: the desktop's node is known, so the test kills it.
    balance: 'first',
    prepare: demoData({ tickets: 200, customers: 60 }),
    log: process.env.DEBUG_SERVER_LOG ? (l) => console.error(l) : undefined,
  });
}, 180_000);

afterAll(async () => {
  for (const d of desktops) await d.services.dispose();
  cluster?.stop();
  dir?.remove();
});

describe('a desktop behind HAProxy', () => {
  it('moves to the other node when its node dies, with every change sent once and none missed', async () => {
    const agent = await signIn('a1', 'agent01');
    const ticket = (await agent.call('tickets.search', { limit: 1 })).rows[0]!;
    const before = await agent.call('sync.status', {});

    const bodies = Array.from({ length: 6 }, (_, i) => `failover note ${i + 1} 故障切换`);
    await agent.call('tickets.comment', { ticketId: ticket.id, body: bodies[0]!, internal: false });
    await agent.call('tickets.comment', { ticketId: ticket.id, body: bodies[1]!, internal: false });
    // The node the desktop is on dies while its changes are on the way.
    const seen = agent.events.length;
    cluster.nodes[0]!.kill('SIGKILL');
    for (const body of bodies.slice(2)) {
      await agent.call('tickets.comment', { ticketId: ticket.id, body, internal: true });
    }
    // Someone on the node that is left changes the same ticket: the desktop must pull it from its cursor.
    const other = await signIn('a2', 'agent02');
    await other.call('tickets.comment', {
      ticketId: ticket.id,
      body: 'from the other node',
      internal: false,
    });
    await other.waitSynced();

    // No action by the agent: the desktop reconnects through the same address and sends what it queued.
    await agent.waitSynced();
    await waitFor(async () => {
      const detail = await agent.call('tickets.get', { id: ticket.id });
      return detail.comments.some((c) => c.body === 'from the other node');
    }, "the other node's comment on the desktop");

    // It did lose its node (and went back online by itself).
    const states = agent.events
      .slice(seen)
      .filter((e) => e.event === 'sync.status')
      .map((e) => (e.payload as { state: string }).state);
    expect(states.some((s) => s !== 'online')).toBe(true);
    expect(states.at(-1)).toBe('online');

    const token = (await apiLogin(cluster.url, 'agent01')).accessToken;
    const onServer = await serverTicket(cluster.url, token, ticket.id);
    for (const body of bodies) expect(onServer.comments.filter((c) => c.body === body)).toHaveLength(1);
    const after = await agent.call('sync.status', {});
    expect(after.cursor).toBeGreaterThan(before.cursor);
    const detail = await agent.call('tickets.get', { id: ticket.id });
    for (const body of bodies) expect(detail.comments.filter((c) => c.body === body)).toHaveLength(1);
    expect(detail.comments.every((c) => c.syncState === 'synced')).toBe(true);
  });
});

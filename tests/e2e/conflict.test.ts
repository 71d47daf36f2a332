import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import {
  apiLogin,
  launchChromium,
  portOf,
  startHost,
  startServer,
  tempDir,
  signIn,
  untilOnline,
  type Proc,
} from './harness';

/**
 * Two agents of after-sales change the same ticket's priority: agent01 on a desktop cut off from the server,
 * agent02 meanwhile on the server. When agent01's desktop comes back its change is refused as a conflict,
 * shown with both values and who made the other one, and "keep mine" puts agent01's value on the server.
 * On the way: the connection banner while offline (next retry counting down, retry now, pending count).
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let serverPort: number;
let hostPort: number;

beforeAll(async () => {
  dir = tempDir('sb-conflict-e2e-');
  server = await startServer(dir.path);
  // A keychain, so the session reopens after the host restarts (see offline.test.ts).
  host = await startHost(dir.path, { keyring: true, serverUrls: [server.url] });
  serverPort = portOf(server.url);
  hostPort = portOf(host.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

async function login(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username);
  await untilOnline(page);
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

const pending = async (page: Page) => Number(await page.getByTestId('pending-count').innerText());

type ServerTicket = { ticket: { priority: string; version: number } };
async function restTicket(id: string, token: string): Promise<ServerTicket> {
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`GET ticket ${id}: ${res.status}`);
  return (await res.json()) as ServerTicket;
}

/** agent02's change, as any sync client sends it: a ticket.update on the version they saw. */
async function pushAsAgent02(ticketId: string, priority: string): Promise<void> {
  const { accessToken } = await apiLogin(server.url, 'agent02');
  const { ticket } = await restTicket(ticketId, accessToken);
  const socket = io(server.url, { auth: { token: accessToken }, transports: ['websocket'], forceNew: true });
  try {
    const ack = (await socket.timeout(10_000).emitWithAck('sync:push', {
      mutations: [
        {
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId, patch: { priority }, baseVersion: ticket.version },
        },
      ],
    })) as { ok: boolean; data?: { results: { status: string }[] } };
    expect(ack).toMatchObject({ ok: true, data: { results: [{ status: 'applied' }] } });
  } finally {
    socket.close();
  }
}

describe('the same field changed by two agents', () => {
  let agent: Page;
  let ticketId: string;

  it('agent01 works offline: the banner says so, counts down to the next try, and can retry now', async () => {
    agent = await login('agent01');
    await server.stop();
    const banner = agent.getByTestId('connection-banner');
    await banner.waitFor({ timeout: 20_000 });
    await expect.poll(() => banner.getAttribute('data-state'), { timeout: 20_000 }).toBe('offline');
    await expect.poll(() => banner.innerText(), { timeout: 20_000 }).toMatch(/Retrying in \d+ s/);
    expect(await banner.innerText()).toMatch(/last synced/);

    // Retry now tries at once (and, the server being down, fails again and schedules the next try).
    await agent.getByTestId('connection-retry').focus();
    await agent.keyboard.press('Enter');
    await expect.poll(() => banner.getAttribute('data-state'), { timeout: 20_000 }).toBe('offline');

    // Raise the priority of a ticket that is neither high nor urgent yet.
    const row = agent
      .locator('[data-testid="ticket-row"]:not([data-status="closed"])')
      .filter({ hasNot: agent.locator('text=/High|Urgent/') })
      .first();
    ticketId = (await row.getAttribute('data-ticket-id'))!;
    await row.click();
    await expect.poll(() => agent.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticketId);
    await agent.getByTestId('ticket-priority').selectOption('high');
    await expect.poll(() => pending(agent)).toBe(1);
    await expect.poll(() => banner.innerText()).toMatch(/1 change waiting/);
  });

  it('agent02 sets it to urgent meanwhile; agent01 comes back and sees both values', async () => {
    // agent01's desktop stays away (host stopped) while the server returns and agent02 changes the ticket.
    await host.stop();
    await agent.getByTestId('host-unreachable').waitFor();
    server = await startServer(dir.path, { port: serverPort });
    await pushAsAgent02(ticketId, 'urgent');
    host = await startHost(dir.path, { port: hostPort, keyring: true, serverUrls: [server.url] });
    await agent.getByTestId('host-unreachable').waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => pending(agent), { timeout: 60_000 }).toBe(0);
    await expect
      .poll(() => agent.getByTestId('sync-status').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('online');
    await agent.getByTestId('connection-banner').waitFor({ state: 'detached' });

    // agent02's change made it the most recently updated ticket: first in the list.
    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${ticketId}"]`);
    await expect.poll(() => row.getAttribute('data-sync-state'), { timeout: 20_000 }).toBe('conflict');
    expect(await row.getByTestId('ticket-row-conflict').count()).toBe(1);
    await row.click();
    const alert = agent.getByTestId('conflict-alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/yours: High \/ theirs: Urgent \(changed by 李娜\)/);
    // The server's value is what the ticket shows until agent01 chooses.
    expect(await agent.getByTestId('ticket-priority').inputValue()).toBe('urgent');
    expect(await agent.getByTestId('ticket-sync-state').getAttribute('data-state')).toBe('conflict');
  });

  it('keep mine puts agent01’s value on the server for agent02 too', async () => {
    await agent.getByTestId('conflict-keep-mine').click();
    await agent.getByTestId('conflict-alert').waitFor({ state: 'detached' });
    expect(await agent.getByTestId('ticket-priority').inputValue()).toBe('high');
    await expect
      .poll(() => agent.getByTestId('ticket-sync-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('synced');
    const { accessToken } = await apiLogin(server.url, 'agent02');
    expect((await restTicket(ticketId, accessToken)).ticket.priority).toBe('high');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiLogin,
  launchChromium,
  portOf,
  shootBothLanguages,
  signIn,
  startHost,
  startServer,
  tempDir,
  untilOnline,
  type Proc,
} from './harness';

/**
 * Issue 14, "one truthful agent state", as a new agent meets it in browser mode against the real service (no
 * PBX, so no phone): Available says "chat and tickets only" and the service routes no call to this agent; the
 * bar never says "Offline" beside a green "Online" link and its legend says what each indicator means; a
 * supervisor's change arrives with their name and note; while the service is down the state is the last known
 * one, marked with its age, and cannot be changed; after the service restarts the agent is told why they are
 * no longer taking work. With SWITCHBOARD_SCREENS set, the menu, the legend and the notices are saved there.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let page: Page;
let serverPort: number;

beforeAll(async () => {
  dir = tempDir('sb-agent-state-');
  server = await startServer(dir.path);
  serverPort = portOf(server.url);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1500, height: 900 } });
  page = await context.newPage();
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

const agentState = () => page.getByTestId('agent-state');
const label = () => page.getByTestId('agent-state-label').innerText();

async function routeCall(callId: string): Promise<number> {
  const secret = readFileSync(join(dir.path, 'server.sqlite.pbx-secret'), 'utf8').trim();
  const res = await fetch(`${server.url}/api/voice/route?queue=8001&caller=13800138000&callid=${callId}`, {
    headers: { 'x-switchboard-pbx-secret': secret },
  });
  return res.status;
}

async function supervisorSocket(): Promise<{ socket: Socket; token: string }> {
  const { accessToken } = await apiLogin(server.url, 'super01');
  const socket = io(server.url, { auth: { token: accessToken }, transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, token: accessToken };
}

describe('one truthful agent state', () => {
  it('qualifies Available without a phone, routes no call to it, and explains the bar', async () => {
    await untilOnline(page);
    // Before: "Offline" beside a green "Online". Now the state says what it means for work.
    await expect.poll(() => agentState().getAttribute('data-state')).toBe('Offline');
    expect(await page.getByTestId('sync-status').getAttribute('data-state')).toBe('online');
    expect(await label()).toBe('Not taking work');

    await page.getByTestId('indicator-legend-open').click();
    const legend = page.getByTestId('indicator-legend');
    await legend.waitFor();
    expect(await legend.getByTestId('legend-agent').innerText()).toContain(
      'whether the service sends you work',
    );
    expect(await legend.getByTestId('legend-phone').innerText()).toContain('softphone is registered');
    expect(await legend.getByTestId('legend-sync').innerText()).toContain(
      'whether this desktop is connected',
    );
    await shootBothLanguages(page, 'legend');
    await page.keyboard.press('Escape');

    // No phone registered (this service has no PBX): Available is for chat and tickets only.
    await agentState().click();
    const available = page.getByTestId('agent-state-Available');
    await available.waitFor();
    expect(await available.innerText()).toContain('Available for chat and tickets only');
    await shootBothLanguages(page, 'state-menu');
    await available.click();
    await expect.poll(() => agentState().getAttribute('data-state')).toBe('Available');
    expect(await agentState().getAttribute('data-chat-only')).toBe('true');
    expect(await label()).toBe('Available · chat & tickets only');
    // agent01 is the only Available agent of the queue, and their phone cannot ring: nobody is offered the call.
    expect(await routeCall('e2e-state-1')).toBe(404);
  });

  it('tells the agent a supervisor put them on a break, with the supervisor’s name and note', async () => {
    const { socket } = await supervisorSocket();
    try {
      const { user } = await apiLogin(server.url, 'agent01');
      const list = (await socket.timeout(10_000).emitWithAck('agent:getStatus', { userId: user.id })) as {
        ok: boolean;
        data: { version: number };
      };
      const ack = (await socket.timeout(10_000).emitWithAck('agent:setState', {
        userId: user.id,
        state: 'Break',
        reason: 'meeting',
        note: 'Team briefing in room 3',
        version: list.data.version,
      })) as { ok: boolean };
      expect(ack.ok).toBe(true);
    } finally {
      socket.close();
    }
    const notice = page.getByTestId('agent-state-notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-kind')).toBe('supervisor');
    const text = await notice.innerText();
    expect(text).toContain('Team briefing in room 3');
    expect(text).toMatch(/set your state to Break · Meeting/);
    await shootBothLanguages(page, 'notice-supervisor');
    await page.getByTestId('agent-state-notice-dismiss').click();
    await notice.waitFor({ state: 'detached' });
  });

  it('shows the last known state with its age while the service is down, and says why it changed after', async () => {
    await agentState().click();
    await page.getByTestId('agent-state-Available').click();
    await expect.poll(() => agentState().getAttribute('data-state')).toBe('Available');

    await server.stop();
    await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-state')).toBe('offline');
    await expect.poll(() => agentState().getAttribute('data-stale')).toBe('true');
    expect(await page.getByTestId('agent-state-age').innerText()).toMatch(/last known/);
    // Nothing can be asked that cannot be delivered.
    await agentState().click();
    expect(await page.getByTestId('agent-state-Available').getAttribute('aria-disabled')).toBe('true');
    expect(await page.getByRole('menu').innerText()).toContain('The service cannot be reached');
    await shootBothLanguages(page, 'state-menu-unreachable');
    await page.keyboard.press('Escape');

    // The service restarts (same database and address): everyone starts Offline, and the agent is told so.
    server = await startServer(dir.path, { port: serverPort });
    const notice = page.getByTestId('agent-state-notice');
    await notice.waitFor({ timeout: 90_000 });
    expect(await notice.getAttribute('data-kind')).toBe('server_start');
    expect(await notice.innerText()).toContain('The service restarted');
    await expect.poll(() => agentState().getAttribute('data-stale')).toBe('false');
    expect(await label()).toBe('Not taking work');
    await shootBothLanguages(page, 'notice-restart');
  });
});

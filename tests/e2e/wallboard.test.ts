// Wallboard (issue 14): the TV page opened with a wallboard token made through the real REST API shows live
// numbers that move with a real state change, the token opens nothing else, and the board says how old its
// numbers are while the service is down and recovers by itself when it is back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST } from '../../src/shared/protocol/auth';
import { WALLBOARD_REST, WallboardTokenCreated } from '../../src/shared/protocol/supervisor';
import {
  PBX_SECRET_HEADER,
  VOICE_REST,
  VoiceSocketEvents,
  type AgentStatus,
} from '../../src/shared/protocol/voice';
import type { Ack } from '../../src/shared/protocol/errors';
import { apiLogin, launchChromium, portOf, startServer, tempDir, type Proc } from './harness';

const screens = process.env['SWITCHBOARD_SCREENS'];

async function createToken(serverUrl: string, username: string, departmentIds: string[], rotateSeconds = 15) {
  const { accessToken } = await apiLogin(serverUrl, username);
  const res = await fetch(`${serverUrl}${WALLBOARD_REST.tokens}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `TV of ${username}`, departmentIds, rotateSeconds }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return WallboardTokenCreated.parse(await res.json());
}

/** The board's URL as the service hands it out (the desktop opens this one), on this test's server. */
function boardUrl(serverUrl: string, created: WallboardTokenCreated, query = ''): string {
  const u = new URL(created.url, serverUrl);
  expect(u.pathname).toBe(WALLBOARD_REST.page);
  expect(u.search).toBe('');
  expect(new URLSearchParams(u.hash.slice(1)).get('token')).toBe(created.token);
  return `${serverUrl}${WALLBOARD_REST.page}${query}${u.hash}`;
}

function connect(serverUrl: string, token: string, namespace = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(`${serverUrl}${namespace}`, {
      auth: { token },
      reconnection: false,
      transports: ['websocket'],
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (e) => {
      s.close();
      reject(e);
    });
  });
}

function emit<T>(s: Socket, event: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    s.timeout(10_000).emit(event, body, (err: Error | null, ack: Ack<T>) => {
      if (err) return reject(err);
      if (!ack.ok) return reject(new Error(`${event}: ${ack.error.code} ${ack.error.message}`));
      resolve(ack.data);
    }),
  );
}

const count = async (page: Page, testId: string) =>
  Number(await page.getByTestId(testId).getAttribute('data-count'));
const phase = (page: Page) => page.getByTestId('wallboard').getAttribute('data-phase');

describe('wallboard', () => {
  const dir = tempDir('e2e-wallboard-');
  let server: Proc;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    server = await startServer(dir.path);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir.remove();
  });

  it('shows live numbers from its token alone, refused elsewhere, and says how old they are when the service is down', async () => {
    const agent = await apiLogin(server.url, 'agent01');
    const department = agent.user.departmentId!;
    const created = await createToken(server.url, 'super01', [department]);
    expect(created.info.departmentIds).toEqual([department]);

    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // A CSP refusal shows in the console: the page must need nothing its policy forbids.
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && problems.push(m.text()));
    await page.goto(boardUrl(server.url, created, '?theme=light'));
    await expect.poll(() => phase(page), { timeout: 30_000 }).toBe('live');
    // The token left the address bar (it never reached the server's logs: it was in the fragment).
    expect(page.url()).not.toContain(created.token);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.getByTestId('wallboard-department').textContent()).toBe('After-sales');
    await page.getByTestId('wallboard-queue').first().waitFor();

    // A real state change on the service moves the number on the board.
    const breaks = await count(page, 'agents-Break');
    const socket = await connect(server.url, agent.accessToken);
    try {
      const status = await emit<AgentStatus>(socket, VoiceSocketEvents.getStatus, {});
      await emit<AgentStatus>(socket, VoiceSocketEvents.setState, {
        state: 'Break',
        reason: 'lunch',
        version: status.version,
      });
    } finally {
      socket.close();
    }
    await expect.poll(() => count(page, 'agents-Break'), { timeout: 10_000 }).toBe(breaks + 1);
    expect(await page.getByTestId('agents-Break').textContent()).toContain('王芳');

    // A call routed by the service as the PBX asks for it, then answered: offered, answered and the service
    // level move on the board, and the agent shows On call.
    const pbxSecret = readFileSync(join(dir.path, 'server.sqlite.pbx-secret'), 'utf8').trim();
    const agent2 = await apiLogin(server.url, 'agent02');
    const socket2 = await connect(server.url, agent2.accessToken);
    const offered = await count(page, 'queue-offered');
    const answered = await count(page, 'queue-answered');
    const status2 = await emit<AgentStatus>(socket2, VoiceSocketEvents.getStatus, {});
    await emit<AgentStatus>(socket2, VoiceSocketEvents.setState, {
      state: 'Available',
      version: status2.version,
    });
    await expect.poll(() => count(page, 'queue-available'), { timeout: 10_000 }).toBeGreaterThan(0);
    const routed = await fetch(
      `${server.url}${VOICE_REST.route}?queue=8001&caller=13800138000&callid=wallboard-call-1`,
      { headers: { [PBX_SECRET_HEADER]: pbxSecret } },
    );
    expect(routed.status, await routed.clone().text()).toBe(200);
    await expect.poll(() => count(page, 'queue-offered'), { timeout: 10_000 }).toBe(offered + 1);
    const answer = await fetch(`${server.url}${VOICE_REST.events}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PBX_SECRET_HEADER]: pbxSecret },
      body: JSON.stringify({ callId: 'wallboard-call-1', event: 'answered' }),
    });
    expect(answer.status).toBeLessThan(300);
    await expect.poll(() => count(page, 'queue-answered'), { timeout: 10_000 }).toBe(answered + 1);
    expect(await page.getByTestId('queue-sl').locator('.value').textContent()).toMatch(/^\d+%$/);
    expect(await page.getByTestId('agents-OnCall').textContent()).toContain('李娜');
    if (screens) await page.screenshot({ path: join(screens, 'wallboard-en.png') });

    // The token grants nothing else: not the REST API, not the desktops' sync socket.
    for (const path of [
      REST.ticket('00000000-0000-4000-8000-000000000000'),
      VOICE_REST.queues,
      WALLBOARD_REST.tokens,
    ]) {
      const res = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${created.token}` },
      });
      expect([401, 403], path).toContain(res.status);
    }
    await expect(connect(server.url, created.token)).rejects.toThrow();

    // A second board, in Chinese, watches the same outage.
    const zhPage = await context.newPage();
    await zhPage.goto(boardUrl(server.url, created, '?lang=zh-CN&theme=light'));
    await expect.poll(() => phase(zhPage), { timeout: 30_000 }).toBe('live');

    // The service stops: the board keeps its numbers, dimmed, and says how old they are.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const port = portOf(server.url);
    await server.stop();
    await expect.poll(() => phase(page), { timeout: 60_000 }).toBe('stale');
    const stale = page.getByTestId('wallboard-stale');
    await expect
      .poll(async () => Number(await stale.getAttribute('data-age')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    expect(await stale.textContent()).toMatch(/Numbers from \d+ s ago/);
    expect(await count(page, 'agents-Break')).toBe(breaks + 1);
    if (screens) await page.screenshot({ path: join(screens, 'wallboard-stale-en.png') });
    await expect.poll(() => phase(zhPage), { timeout: 30_000 }).toBe('stale');
    expect(await zhPage.getByTestId('wallboard-stale').textContent()).toMatch(/数据来自 \d+ 秒前/);
    if (screens) await zhPage.screenshot({ path: join(screens, 'wallboard-stale-zh.png') });

    // It comes back: the board recovers by itself, without a reload.
    server = await startServer(dir.path, { port });
    await expect.poll(() => phase(page), { timeout: 60_000 }).toBe('live');
    expect(await stale.count()).toBe(0);
    await expect.poll(() => phase(zhPage), { timeout: 60_000 }).toBe('live');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(problems).toEqual([]);
    socket2.close();
    await context.close();
  });

  it('rotates through its departments, switched with the arrows and paused with space, in Chinese too', async () => {
    const depts = await Promise.all(
      ['super01', 'super02'].map(async (u) => (await apiLogin(server.url, u)).user.departmentId!),
    );
    const created = await createToken(server.url, 'admin', depts, 5);
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
    // Without its token the page says where to get one.
    const bare = await context.newPage();
    await bare.goto(`${server.url}${WALLBOARD_REST.page}?lang=zh-CN`);
    expect(await bare.getByTestId('wallboard-no-token').textContent()).toContain('此看板没有访问链接');
    await bare.close();
    const page = await context.newPage();
    await page.goto(boardUrl(server.url, created, '?lang=zh-CN&theme=light'));
    await expect.poll(() => phase(page), { timeout: 30_000 }).toBe('live');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    const board = page.getByTestId('wallboard');
    expect(await board.getAttribute('data-department')).toBe(depts[0]);
    expect(await page.getByTestId('wallboard-department').textContent()).toBe('售后服务');
    // By itself after rotateSeconds.
    await expect.poll(() => board.getAttribute('data-department'), { timeout: 10_000 }).toBe(depts[1]);
    expect(await page.getByTestId('wallboard-department').textContent()).toBe('技术支持');
    await page.keyboard.press('ArrowLeft');
    expect(await board.getAttribute('data-department')).toBe(depts[0]);
    await page.keyboard.press(' ');
    expect(await page.getByTestId('wallboard-rotation').getAttribute('data-paused')).toBe('true');
    await page.waitForTimeout(6500);
    expect(await board.getAttribute('data-department')).toBe(depts[0]);
    if (screens) await page.screenshot({ path: join(screens, 'wallboard-zh.png') });
    await page.keyboard.press('ArrowRight');
    expect(await board.getAttribute('data-department')).toBe(depts[1]);

    // A reload keeps working from the tab's own copy of the token; a revoked token is refused in words.
    await page.reload();
    await expect.poll(() => phase(page), { timeout: 30_000 }).toBe('live');
    const { accessToken } = await apiLogin(server.url, 'admin');
    const revoke = await fetch(`${server.url}${WALLBOARD_REST.token(created.info.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(revoke.status).toBeLessThan(300);
    await page.reload();
    await page.getByTestId('wallboard-refused').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('wallboard-refused').textContent()).toContain('此看板链接已失效');
    await context.close();
  });
});

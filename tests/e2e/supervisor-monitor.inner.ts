// The supervisor scenario (issue 14), run by supervisor-monitor.test.ts inside a loopback-only
// network namespace: Kamailio, the central service and the desktop host as their CLIs, three desktops in
// Chromium (super01, agent01, agent02) and the customer's JsSIP phone (the softphone test page). super01
// watches the queue monitor while a real call rings agent01, forces agent02 onto a break with a note and
// messages them.
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { freeTcpPort, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { assertInNetns, CALL_FLAGS } from '../netns/run-in-netns';
import {
  fixtureState,
  openFixturePhone,
  serveFixture,
  until,
  type FixtureServer,
} from '../softphone/fixture-server';
import {
  apiLogin,
  launchChromium,
  shootBothLanguages,
  signIn,
  startHost,
  startProcess,
  tempDir,
  untilOnline,
  type Proc,
} from './harness';

const PBX_SECRET = 'e2e-supervisor-pbx-secret-e2e-supervisor-pbx';
const CALLER_PASSWORD = 'customer-gateway-secret';

let dir: ReturnType<typeof tempDir>;
let pbx: RunningKamailio;
let server: Proc;
let host: Proc;
let fixture: FixtureServer;
let browser: Browser;
let caller: { digits: string; name: string; queue: string };
let agent02Id: string;

const t0 = Date.now();
const step = (what: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

async function desktop(username: string): Promise<Page> {
  step(`signing in ${username}`);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${username}]`, e));
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username);
  await untilOnline(page);
  return page;
}

const agentState = (page: Page) => page.getByTestId('agent-state').getAttribute('data-state');

beforeAll(async () => {
  assertInNetns('tests/e2e/supervisor-monitor.test.ts');
  dir = tempDir('sb-e2e-supervisor-');
  fixture = await serveFixture(join(dir.path, 'www'));
  const port = await freeTcpPort();
  pbx = await startKamailio({
    runDir: join(dir.path, 'pbx'),
    routingUrl: `http://127.0.0.1:${port}/api/voice/route`,
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 64,
    children: 2,
  });
  server = await startProcess(
    'src/server/cli.ts',
    [
      ...['--port', String(port), '--db', join(dir.path, 'server.sqlite'), '--seed', 'demo'],
      ...['--pbx-rpc', pbx.rpcUrl, '--pbx-ws', pbx.wsUrl, '--pbx-domain', pbx.domain],
    ],
    /listening on/,
    { SWITCHBOARD_PBX_SECRET: PBX_SECRET },
  );
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium(CALL_FLAGS);

  const agent01 = await apiLogin(server.url, 'agent01');
  agent02Id = (await apiLogin(server.url, 'agent02')).user.id;
  const db = new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        `SELECT c.name, c.phone FROM customers c JOIN tickets t ON t.customer_id = c.id
           WHERE t.department_id = ? AND c.phone LIKE '+861%' GROUP BY c.id ORDER BY c.id LIMIT 1`,
      )
      .get(agent01.user.departmentId) as { name: string; phone: string };
    const queue = db
      .prepare('SELECT number FROM queues WHERE department_id = ? ORDER BY number LIMIT 1')
      .get(agent01.user.departmentId) as { number: string };
    caller = { name: row.name, digits: row.phone.replace(/^\+86/, ''), queue: queue.number };
  } finally {
    db.close();
  }
  await pbx.setSipUser(caller.digits, CALLER_PASSWORD);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  await pbx?.stop();
  await fixture?.close();
  dir?.remove();
});

describe.sequential('super01 runs the floor from the queue monitor', () => {
  let sup: Page;
  let a1: Page;
  let a2: Page;
  let monitor: Locator;
  let agent01Id: string;
  let before: { offered: number; answered: number; level: string };
  const queueCell = (id: string) =>
    monitor
      .locator(`[data-testid="monitor-queue-row"][data-queue="${caller.queue}"]`)
      .getByTestId(id)
      .innerText();
  const row = (id: string) => monitor.locator(`[data-testid="monitor-agent-row"][data-user="${id}"]`);

  it('agents and the supervisor sign in; only the supervisor has the monitor, opened from the keyboard', async () => {
    // One after another: three first syncs at once are more than a CI runner's two cores take in time.
    a1 = await desktop('agent01');
    a2 = await desktop('agent02');
    sup = await desktop('super01');
    step('signed in');
    agent01Id = (await apiLogin(server.url, 'agent01')).user.id;
    expect(await a1.getByTestId('nav-monitor').count()).toBe(0);
    await sup.keyboard.press('Alt+KeyQ');
    monitor = sup.getByTestId('monitor-page');
    await expect.poll(() => monitor.getAttribute('data-live'), { timeout: 15_000 }).toBe('true');
    step('monitor live');
    before = {
      offered: Number(await queueCell('queue-offered')),
      answered: Number(await queueCell('queue-answered')),
      level: await queueCell('queue-level'),
    };
  }, 240_000);

  it('agents becoming Available show on the monitor as they change (pushed)', async () => {
    for (const page of [a1, a2]) {
      await expect
        .poll(() => page.getByTestId('phone-status').getAttribute('data-state'), { timeout: 20_000 })
        .toBe('registered');
      await page.getByTestId('agent-state').click();
      await page.getByTestId('agent-state-Available').click();
      await expect.poll(() => agentState(page)).toBe('Available');
    }
    await expect.poll(() => row(agent01Id).getAttribute('data-state')).toBe('Available');
    await expect.poll(() => row(agent02Id).getAttribute('data-state')).toBe('Available');
  });

  it('super01 puts agent02 on a break with a note from the keyboard; agent02 and the history show it', async () => {
    await row(agent02Id).focus();
    await sup.keyboard.press('b');
    const panel = sup.getByTestId('agent-panel');
    await panel.waitFor();
    await panel.getByTestId('agent-panel-note').fill('Team huddle in room 3');
    await panel.getByTestId('agent-panel-break').click();
    await expect.poll(() => row(agent02Id).getAttribute('data-state')).toBe('Break');
    await expect.poll(() => agentState(a2)).toBe('Break');
    // In agent02's history: by a supervisor (super01, 孙丽), with the note.
    const latest = panel.getByTestId('agent-history-row').first();
    await expect.poll(() => latest.getAttribute('data-to')).toBe('Break');
    expect(await latest.getAttribute('data-cause')).toBe('supervisor');
    await expect.poll(() => latest.innerText()).toContain('Team huddle in room 3');
    expect(await latest.innerText()).toContain('孙丽');

    // A message to agent02 pops on their desktop and stays until dismissed.
    await panel.getByTestId('agent-panel-message').fill('Please join the huddle now');
    await panel.getByTestId('agent-panel-message').press('Enter');
    await panel.getByTestId('agent-panel-sent').waitFor();
    const notice = a2.getByTestId('supervisor-notice');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.innerText()).toContain('Please join the huddle now');
    expect(await notice.innerText()).toContain('孙丽');
    await shootBothLanguages(sup, 'agent-panel');
    await shootBothLanguages(a2, 'notice');
    await a2.getByTestId('notice-dismiss').click();
    await notice.waitFor({ state: 'detached' });
    await sup.keyboard.press('Escape');
  });

  it('a real call through Kamailio rings agent01: On call and offered on the monitor; answered moves the service level', async () => {
    const phoneCtx = await browser.newContext();
    const phone = await phoneCtx.newPage();
    await openFixturePhone(phone, fixture.url, {
      wsUrl: pbx.wsUrl,
      sipUri: `sip:${caller.digits}@${pbx.domain}`,
      password: CALLER_PASSWORD,
      displayName: caller.name,
      iceGatheringTimeoutMs: 500,
    });
    await until(
      'caller registered',
      () => fixtureState(phone),
      (s) => s.registration.status === 'registered',
    );
    await phone.evaluate(
      (q) => (window as unknown as { phone: { call(t: string): void } }).phone.call(q),
      caller.queue,
    );
    await expect
      .poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state'), { timeout: 15_000 })
      .toBe('ringing');
    await expect.poll(() => row(agent01Id).getAttribute('data-state')).toBe('OnCall');
    await expect.poll(async () => Number(await queueCell('queue-offered'))).toBe(before.offered + 1);
    await expect.poll(() => row(agent01Id).getByTestId('agent-call').innerText()).toContain(caller.name);

    await a1.keyboard.press('Alt+KeyA');
    await expect
      .poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state'), { timeout: 20_000 })
      .toBe('active');
    await expect
      .poll(async () => Number(await queueCell('queue-answered')), { timeout: 10_000 })
      .toBe(before.answered + 1);
    await expect.poll(() => queueCell('queue-level')).not.toBe(before.level);
    await shootBothLanguages(sup, 'monitor');

    await a1.getByTestId('call-hangup').click();
    await a1.getByTestId('wrap-up').waitFor();
    await expect.poll(() => row(agent01Id).getAttribute('data-state')).toBe('WrapUp');
    await phoneCtx.close();
  });
});

// The supervisor scenario (issue 14), run by supervisor-monitor.test.ts inside a loopback-only
// network namespace: Kamailio, the central service and the desktop host as their CLIs, three desktops in
// Chromium (super01, agent01, agent02) and the customer's JsSIP phone (the softphone test page). super01
// watches the queue monitor while a real call rings agent01, forces agent02 onto a break with a note and
// messages them.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

async function desktop(username: string): Promise<Page> {
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
        `SELECT name, phone FROM customers WHERE department_id = ? AND phone LIKE '+861%' ORDER BY id LIMIT 1`,
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

it('super01 watches a real call on the monitor, puts agent02 on a break with a note and messages them', async () => {
  const [sup, a1, a2] = await Promise.all([desktop('super01'), desktop('agent01'), desktop('agent02')]);
  // Agents see no monitor; the supervisor opens it from the keyboard.
  expect(await a1.getByTestId('nav-monitor').count()).toBe(0);
  await sup.keyboard.press('Alt+KeyQ');
  const monitor = sup.getByTestId('monitor-page');
  await expect.poll(() => monitor.getAttribute('data-live'), { timeout: 15_000 }).toBe('true');
  const queueRow = monitor.locator(`[data-testid="monitor-queue-row"][data-queue="${caller.queue}"]`);
  const cell = (id: string) => queueRow.getByTestId(id).innerText();
  const offered0 = Number(await cell('queue-offered'));
  const answered0 = Number(await cell('queue-answered'));
  const level0 = await cell('queue-level');
  const row = (id: string) => monitor.locator(`[data-testid="monitor-agent-row"][data-user="${id}"]`);
  const agent01Id = (await apiLogin(server.url, 'agent01')).user.id;

  for (const page of [a1, a2]) {
    await expect
      .poll(() => page.getByTestId('phone-status').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('registered');
    await page.getByTestId('agent-state').click();
    await page.getByTestId('agent-state-Available').click();
    await expect.poll(() => agentState(page)).toBe('Available');
  }
  // Pushed to the monitor, not polled.
  await expect.poll(() => row(agent01Id).getAttribute('data-state')).toBe('Available');
  await expect.poll(() => row(agent02Id).getAttribute('data-state')).toBe('Available');

  // agent02 onto a break from the keyboard: the row, then B opens the panel at the break.
  await row(agent02Id).focus();
  await sup.keyboard.press('b');
  const panel = sup.getByTestId('agent-panel');
  await panel.waitFor();
  await panel.getByTestId('agent-panel-note').fill('Team huddle in room 3');
  await panel.getByTestId('agent-panel-break').click();
  await expect.poll(() => row(agent02Id).getAttribute('data-state')).toBe('Break');
  await expect.poll(() => agentState(a2)).toBe('Break');
  // In agent02's history: by a supervisor (super01), with the note.
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

  // A real call through Kamailio: it rings agent01 (agent02 is on a break); agent01 is On call, offered rises.
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
  await expect.poll(async () => Number(await cell('queue-offered'))).toBe(offered0 + 1);
  await expect.poll(() => row(agent01Id).getByTestId('agent-call').innerText()).toContain(caller.name);

  // Answered: answered rises and the service level moves.
  await a1.keyboard.press('Alt+KeyA');
  await expect.poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
  await expect
    .poll(async () => Number(await cell('queue-answered')), { timeout: 10_000 })
    .toBe(answered0 + 1);
  await expect.poll(() => cell('queue-level')).not.toBe(level0);
  await shootBothLanguages(sup, 'monitor');

  await a1.getByTestId('call-hangup').click();
  await a1.getByTestId('wrap-up').waitFor();
  await expect.poll(() => row(agent01Id).getAttribute('data-state')).toBe('WrapUp');
  await phoneCtx.close();
});

// Inside the namespace chat-desk-call.test.ts makes: a customer calls agent01's queue through Kamailio and
// agent01 answers in the desktop (browser mode), then accepts two chats offered through the chat relay
// (tests/e2e/chat-desk-relay.ts: the service's own chat:* handlers come in another branch). The call panel
// stays in view beside the chat tabs. SWITCHBOARD_SCREENS=<folder>: chat-desk-call in both languages.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freeTcpPort, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { assertInNetns, CALL_FLAGS } from '../netns/run-in-netns';
import {
  fixtureState,
  openFixturePhone,
  serveFixture,
  until,
  type FixtureServer,
} from '../softphone/fixture-server';
import { startChatRelay, type ChatRelay } from './chat-desk-relay';
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

const CALLER_PASSWORD = 'customer-gateway-secret';
const PBX_SECRET = 'e2e-chatdesk-pbx-secret-e2e-chatdesk-pbx-secret';

let dir: ReturnType<typeof tempDir>;
let pbx: RunningKamailio;
let server: Proc;
let relay: ChatRelay;
let host: Proc;
let fixture: FixtureServer;
let browser: Browser;
let caller: { id: string; name: string; digits: string; queue: string };
let agent: { id: string; departmentId: string; displayName: string };
let ticketId: string;

beforeAll(async () => {
  assertInNetns('tests/e2e/chat-desk-call.test.ts');
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) mkdirSync(screens, { recursive: true });
  dir = tempDir('sb-e2e-chatdesk-call-');
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
      '--port',
      String(port),
      '--db',
      join(dir.path, 'server.sqlite'),
      '--seed',
      'demo',
      '--pbx-rpc',
      pbx.rpcUrl,
      '--pbx-ws',
      pbx.wsUrl,
      '--pbx-domain',
      pbx.domain,
    ],
    /listening on/,
    { SWITCHBOARD_PBX_SECRET: PBX_SECRET },
  );
  const login = await apiLogin(server.url, 'agent01');
  const db = new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const u = db.prepare('SELECT display_name FROM users WHERE id = ?').get(login.user.id) as {
      display_name: string;
    };
    agent = { id: login.user.id, departmentId: login.user.departmentId!, displayName: u.display_name };
    const row = db
      .prepare(
        `SELECT c.id, c.name, c.phone, t.id AS ticket FROM customers c JOIN tickets t ON t.customer_id = c.id
          WHERE t.department_id = ? AND c.phone LIKE '+861%' ORDER BY t.number LIMIT 1`,
      )
      .get(agent.departmentId) as { id: string; name: string; phone: string; ticket: string };
    const queue = db
      .prepare('SELECT number FROM queues WHERE department_id = ? ORDER BY number LIMIT 1')
      .get(agent.departmentId) as { number: string };
    caller = { id: row.id, name: row.name, digits: row.phone.replace(/^\+86/, ''), queue: queue.number };
    ticketId = row.ticket;
  } finally {
    db.close();
  }
  await pbx.setSipUser(caller.digits, CALLER_PASSWORD);
  relay = await startChatRelay({
    upstream: server.url,
    departmentId: agent.departmentId,
    agentId: agent.id,
    agentName: agent.displayName,
    ticketId,
    canned: [],
  });
  host = await startHost(dir.path, { serverUrls: [relay.url] });
  browser = await launchChromium(CALL_FLAGS);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await relay?.close();
  await server?.stop();
  await pbx?.stop();
  await fixture?.close();
  dir?.remove();
});

it('agent01 answers a call, then accepts two chats; the call stays in view beside them', async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1600, height: 900 } });
  const page: Page = await context.newPage();
  page.on('pageerror', (e) => console.error('[agent01]', e));
  await signIn(page, { hostUrl: host.url, serverUrl: relay.url }, 'agent01');
  await untilOnline(page);
  await expect
    .poll(() => page.getByTestId('phone-status').getAttribute('data-state'), { timeout: 20_000 })
    .toBe('registered');
  await page.getByTestId('agent-state').click();
  await page.getByTestId('agent-state-Available').click();
  await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('Available');

  const phone = await (await browser.newContext()).newPage();
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
    .poll(() => page.getByTestId('call-panel').getAttribute('data-call-state'), { timeout: 15_000 })
    .toBe('ringing');
  await page.keyboard.press('Alt+KeyA');
  await expect.poll(() => page.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');

  // Two chats while on the call: each offer accepted from the keyboard (Alt+C; Alt+A stays the phone's).
  relay.offer(
    { name: caller.name, phone: null, email: null, language: 'zh-CN' },
    '请问我的退款什么时候到账？',
    {
      customerId: caller.id,
    },
  );
  await page.getByTestId('chat-offer').waitFor();
  await page.keyboard.press('Alt+KeyC');
  await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(1);
  relay.offer(
    { name: 'Emma Clark', phone: null, email: 'emma@example.com', language: 'en' },
    'Can I change my delivery address?',
  );
  await page.getByTestId('chat-offer').waitFor();
  await page.keyboard.press('Alt+KeyC');
  await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(2);
  await page.getByTestId('chat-tab').first().click();
  await page.getByTestId('chat-composer').fill('您好，我查一下您的退款进度。');
  await page.keyboard.press('Enter');
  await expect.poll(() => relay.sends.length).toBe(1);
  await page.getByTestId('chat-message').filter({ hasText: '退款进度' }).waitFor();

  // The call is still up and its panel beside the chats.
  expect(await page.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
  expect(await page.getByTestId('call-panel').isVisible()).toBe(true);
  expect(await page.getByTestId('chat-desk').isVisible()).toBe(true);
  await shootBothLanguages(page, 'chat-desk-call');
  await page.keyboard.press('Alt+KeyX');
});

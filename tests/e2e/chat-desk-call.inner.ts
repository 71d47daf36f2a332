// Inside the namespace chat-desk-call.test.ts makes, all of it real: Kamailio, the central service with its
// demo data, the desktop host and Chromium. The scenario: a customer chats from the widget on the
// plain demo page; the bot answers from the knowledge base with the article shown; the customer asks for a
// person; agent01, on a call through Kamailio, accepts the chat (the call panel stays in view), answers with
// a canned response (seeded over the canned REST API by the department's supervisor, super01) and turns the
// chat into a ticket; the customer reloads the page mid-chat and loses nothing. A second customer's chat is
// accepted beside it. SWITCHBOARD_SCREENS=<folder>: chat-desk-call in both languages (a call and two chats), and Emma's widget
// (chat-widget-bot-en, chat-widget-after-reload-en).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
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
let host: Proc;
let fixture: FixtureServer;
let browser: Browser;
let caller: { name: string; digits: string; queue: string };
let agent: { id: string; departmentId: string; displayName: string };

const db = <T>(f: (d: Database.Database) => T): T => {
  const d = new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return f(d);
  } finally {
    d.close();
  }
};

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
  db((d) => {
    const u = d.prepare('SELECT display_name FROM users WHERE id = ?').get(login.user.id) as {
      display_name: string;
    };
    agent = { id: login.user.id, departmentId: login.user.departmentId!, displayName: u.display_name };
    const row = d
      .prepare(
        `SELECT c.name, c.phone FROM customers c JOIN tickets t ON t.customer_id = c.id
          WHERE t.department_id = ? AND c.phone LIKE '+861%' ORDER BY t.number LIMIT 1`,
      )
      .get(agent.departmentId) as { name: string; phone: string };
    const queue = d
      .prepare('SELECT number FROM queues WHERE department_id = ? ORDER BY number LIMIT 1')
      .get(agent.departmentId) as { number: string };
    caller = { name: row.name, digits: row.phone.replace(/^\+86/, ''), queue: queue.number };
  });
  // The department's canned responses, as its supervisor keeps them (the demo data has none).
  const sup = await apiLogin(server.url, 'super01');
  for (const [language, shortcut, title, text] of [
    [
      'en',
      'welcome',
      'Greeting',
      'Hello {{customer.name}}, this is {{agent.name}}. Let me look into it for you.',
    ],
    [
      'zh-CN',
      'nihao',
      '问候',
      '您好 {{customer.name}}，我是{{department.name}}的{{agent.name}}，马上为您处理。',
    ],
  ] as const) {
    const res = await fetch(`${server.url}/api/chat/canned/${randomUUID()}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sup.accessToken}` },
      body: JSON.stringify({ departmentId: agent.departmentId, language, shortcut, title, text }),
    });
    if (!res.ok) throw new Error(`canned ${shortcut}: ${res.status} ${await res.text()}`);
  }
  await pbx.setSipUser(caller.digits, CALLER_PASSWORD);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium(CALL_FLAGS);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  await pbx?.stop();
  await fixture?.close();
  dir?.remove();
});

async function shoot(page: Page, name: string): Promise<void> {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) await page.screenshot({ path: join(screens, `${name}.png`) });
}

/** The customer's page: the service's plain demo page with its one script tag, the widget opened. */
async function openWidget(page: Page): Promise<void> {
  await page.getByTestId('chat-launcher').click();
  await page.getByTestId('chat-panel').waitFor();
}
const bubbles = (page: Page) =>
  page
    .locator('[data-testid="chat-messages"] [data-testid="chat-message"]')
    .evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('data-sender')}: ${e.querySelector('.bubble')?.textContent}`),
    );
async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.keyboard.press('Enter');
}
async function answerWithCanned(page: Page, shortcut: string): Promise<string> {
  const composer = page.getByTestId('chat-composer');
  await expect.poll(() => composer.isEnabled()).toBe(true);
  await composer.click();
  await page.keyboard.type(`/${shortcut}`);
  await page.getByTestId('canned-picker').waitFor();
  await page.keyboard.press('Enter');
  await expect.poll(() => composer.inputValue()).not.toMatch(/^\//);
  const filled = await composer.inputValue();
  expect(filled).not.toContain('{{');
  await page.keyboard.press('Enter');
  return filled;
}

it('a customer chats with the bot, asks for a person; agent01 on a call accepts, answers canned, makes a ticket', async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1600, height: 900 } });
  const page: Page = await context.newPage();
  page.on('pageerror', (e) => console.error('[agent01]', e));
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
  await untilOnline(page);
  await expect
    .poll(() => page.getByTestId('phone-status').getAttribute('data-state'), { timeout: 20_000 })
    .toBe('registered');
  await page.getByTestId('agent-state').click();
  await page.getByTestId('agent-state-Available').click();
  await expect
    .poll(() => page.getByTestId('agent-state').getAttribute('data-state'), { timeout: 20_000 })
    .toBe('Available');

  // A customer calls the department's queue through Kamailio; agent01 answers.
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

  // Emma, on the plain demo page, gives her name and asks the bot; it answers from the knowledge base and
  // names the article.
  const emma = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
  await emma.goto(`${server.url}/demo/chat.html`);
  await openWidget(emma);
  await emma.getByTestId('chat-details-toggle').click();
  await emma.getByTestId('chat-name').fill('Emma Clark');
  await emma.getByTestId('chat-email').fill('emma.clark@example.com');
  await emma.getByTestId('chat-details-save').click();
  await emma.getByTestId('chat-details-saved').waitFor();
  await say(emma, 'How long does a refund take to arrive?');
  const botAnswer = emma.locator('[data-testid="chat-message"][data-sender="bot"] .bubble');
  await botAnswer.waitFor({ timeout: 20_000 });
  expect(await botAnswer.textContent()).toContain('From the help article: Refund process and timelines');
  expect(await emma.getByTestId('chat-state').getAttribute('data-state')).toBe('bot');
  await shoot(emma, 'chat-widget-bot-en');

  // She asks for a person: agent01, still on the call, gets the offer and takes it from the keyboard.
  await emma.getByTestId('chat-person').click();
  await emma.locator('[data-testid="chat-system"][data-event="handoff_requested"]').waitFor();
  await say(emma, 'It has been 10 days and nothing arrived, order 20931.');
  await page.getByTestId('chat-offer').waitFor({ timeout: 20_000 });
  expect(await page.getByTestId('chat-offer').textContent()).toContain('Emma Clark');
  await page.keyboard.press('Alt+KeyC');
  await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(1);
  await expect.poll(() => emma.getByTestId('chat-state').getAttribute('data-state')).toBe('agent');
  await page.getByTestId('chat-message').filter({ hasText: 'order 20931' }).waitFor();
  // The agent sees what the bot told her, marked as a knowledge-base answer.
  await page
    .locator('[data-testid="chat-message"][data-sender="bot"]')
    .filter({ hasText: 'Bot, from the article “Refund process and timelines”' })
    .waitFor();
  expect(await page.getByTestId('call-panel').isVisible()).toBe(true);

  // The answer is a canned response, its variables filled from the chat.
  const greeting = await answerWithCanned(page, 'welcome');
  expect(greeting).toBe(`Hello Emma Clark, this is ${agent.displayName}. Let me look into it for you.`);
  const agentBubble = emma.locator('[data-testid="chat-message"][data-sender="agent"] .bubble');
  await expect.poll(() => agentBubble.allTextContents()).toEqual([greeting]);

  // A second chat, in Chinese, beside it: the agent has a call and two chats.
  const li = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
  await li.goto(`${server.url}/demo/chat.html?lang=zh`);
  await openWidget(li);
  await li.getByTestId('chat-details-toggle').click();
  await li.getByTestId('chat-name').fill('李娜');
  await li.getByTestId('chat-details-save').click();
  await li.getByTestId('chat-details-saved').waitFor();
  await say(li, '转人工，我想换个收货地址');
  await li.locator('[data-testid="chat-system"][data-event="handoff_requested"]').waitFor();
  await page.getByTestId('chat-offer').waitFor({ timeout: 20_000 });
  await page.keyboard.press('Alt+KeyC');
  await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(2);
  await expect.poll(() => li.getByTestId('chat-state').getAttribute('data-state')).toBe('agent');
  await expect.poll(() => page.getByTestId('chat-visitor-name').textContent()).toBe('李娜');
  const nihao = await answerWithCanned(page, 'nihao');
  expect(nihao).toContain('您好 李娜');
  await expect
    .poll(() => li.locator('[data-testid="chat-message"][data-sender="agent"] .bubble').allTextContents())
    .toEqual([nihao]);

  // Emma reloads her page mid-chat: every line again, in order, and the chat goes on both ways.
  const before = await bubbles(emma);
  expect(before.length).toBeGreaterThanOrEqual(4);
  await emma.reload();
  await openWidget(emma);
  await expect.poll(() => bubbles(emma), { timeout: 30_000 }).toEqual(before);
  await expect.poll(() => emma.getByTestId('chat-state').getAttribute('data-state')).toBe('agent');
  await say(emma, 'Thanks, I am still here after reloading.');
  await shoot(emma, 'chat-widget-after-reload-en');
  await page.getByTestId('chat-tab').filter({ hasText: 'Emma Clark' }).click();
  await page.getByTestId('chat-message').filter({ hasText: 'still here after reloading' }).waitFor();

  // A call and two chats on one screen.
  expect(await page.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
  expect(await page.getByTestId('call-panel').isVisible()).toBe(true);
  expect(await page.getByTestId('chat-desk').isVisible()).toBe(true);
  await shootBothLanguages(page, 'chat-desk-call');

  // Emma's chat becomes a ticket in one step: channel chat, her transcript, assigned to agent01.
  const chatId = (await page.getByTestId('chat-view').getAttribute('data-chat'))!;
  await page.getByTestId('chat-to-ticket').click();
  await page.getByTestId('chat-ticket-submit').click();
  await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).not.toBeNull();
  const shown = await page.getByTestId('ticket-detail').getAttribute('data-ticket-id');
  const made = db(
    (d) =>
      d
        .prepare(
          `SELECT t.id, t.channel, t.assignee_id AS assignee, t.description FROM chat_ticket_links l
             JOIN tickets t ON t.id = l.ticket_id WHERE l.session_id = ?`,
        )
        .get(chatId) as { id: string; channel: string; assignee: string; description: string },
  );
  expect(made).toMatchObject({ id: shown, channel: 'chat', assignee: agent.id });
  expect(made.description).toContain('order 20931');
  expect(made.description).toContain('still here after reloading');
  expect(await page.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
  await page.keyboard.press('Alt+KeyX');
});

import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectVisitor, type Visitor } from './chat-desk-visitor';
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
  untilTicketsSettled,
  type Proc,
} from './harness';

/**
 * The chat desk in the workbench (browser-mode host, Chromium) against the real central service: visitors
 * speak the widget's protocol on the service's visitor socket (chat-desk-visitor.ts), the service's router
 * offers their chats to agent01. Offers with the seconds left and keyboard accept/decline, two chats in tabs,
 * the visitor's text shown as text, typing both ways, read marks, canned responses (seeded through the REST
 * API by the department's supervisor) with variables, a message written while the service is down sent once
 * when it is back, a ticket made from the chat, end, transfer to a queue. SWITCHBOARD_SCREENS=<folder>:
 * chat-offer, chat-canned, chat-two-chats, chat-offline in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let page: Page;
let agent: { id: string; departmentId: string; displayName: string };
const visitors: Visitor[] = [];

const db = <T>(f: (d: Database.Database) => T): T => {
  const d = new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return f(d);
  } finally {
    d.close();
  }
};

async function seedCanned(departmentId: string) {
  const sup = await apiLogin(server.url, 'super01');
  const put = async (language: 'zh-CN' | 'en', shortcut: string, title: string, text: string) => {
    const res = await fetch(`${server.url}/api/chat/canned/${randomUUID()}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sup.accessToken}` },
      body: JSON.stringify({ departmentId, language, shortcut, title, text }),
    });
    if (!res.ok) throw new Error(`canned ${shortcut}: ${res.status} ${await res.text()}`);
  };
  await put(
    'zh-CN',
    'greet',
    '问候',
    '您好 {{customer.name}}，我是{{department.name}}的{{agent.name}}，很高兴为您服务。',
  );
  await put('en', 'greet-en', 'Greeting', 'Hello {{customer.name}}, this is {{agent.name}}. How can I help?');
  await put('zh-CN', 'ticket', '工单号', '您的工单号是 {{ticket.number}}，我们会尽快处理。');
}

beforeAll(async () => {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) mkdirSync(screens, { recursive: true });
  dir = tempDir('sb-chatdesk-e2e-');
  server = await startServer(dir.path);
  const login = await apiLogin(server.url, 'agent01');
  agent = db((d) => ({
    id: login.user.id,
    departmentId: login.user.departmentId!,
    displayName: (
      d.prepare('select display_name from users where id = ?').get(login.user.id) as { display_name: string }
    ).display_name,
  }));
  await seedCanned(agent.departmentId);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}\n${e.stack ?? ''}`.slice(0, 1500)));
  page.on('console', (m) => m.type() === 'error' && console.error(`[console] ${m.text()}`.slice(0, 1500)));
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
}, 240_000);

afterAll(async () => {
  for (const v of visitors) v.close();
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

const chatCount = () => page.getByTestId('nav-chats').getAttribute('data-count');
const visitor = async (language: 'zh-CN' | 'en') => {
  const v = await connectVisitor(server.url, language);
  visitors.push(v);
  return v;
};
const offerState = (offerId: string) =>
  db(
    (d) => (d.prepare('select state from chat_offers where id = ?').get(offerId) as { state: string }).state,
  );
const agentTexts = (v: Visitor) =>
  v
    .messages()
    .filter((m) => m.sender === 'agent')
    .map((m) => m.text);
let wang: Visitor;
let tom: Visitor;

describe('chat desk against the real service', () => {
  it('an offer shows who and the seconds left; Alt+C accepts it and the chat opens in a tab', async () => {
    await untilTicketsSettled(page);
    // Chats are offered to Available agents only.
    await page.getByTestId('agent-state').click();
    await page.getByTestId('agent-state-Available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('Available');
    wang = await visitor('zh-CN');
    wang.identify({ name: '王建国', email: 'wang.jianguo@example.com' });
    wang.handoff();
    await wang.say('你好，我的订单一直没有发货 <b>急</b> https://shop.example/orders/12345');
    const banner = page.getByTestId('chat-offer');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('王建国');
    expect(offerState((await banner.getAttribute('data-offer'))!)).toBe('open');
    await expect
      .poll(async () =>
        Number((await page.getByTestId('chat-offer-seconds').textContent())?.match(/\d+/)?.[0]),
      )
      .toBeGreaterThan(15);
    await shootBothLanguages(page, 'chat-offer');

    await page.keyboard.press('Alt+KeyC');
    await page.getByTestId('chat-desk').waitFor();
    await expect.poll(() => page.getByTestId('chat-offer').count()).toBe(0);
    await expect.poll(chatCount).toBe('1');
    // The customer is told a person joined.
    await expect.poll(() => wang.session()?.state).toBe('agent');
    expect(wang.session()?.agentName).toBe(agent.displayName);
    // The visitor's words as text: the markup is characters on screen, only the http(s) address is a link.
    const first = page.getByTestId('chat-message').filter({ hasText: '没有发货' });
    await first.waitFor();
    expect(await first.locator('b').count()).toBe(0);
    expect(await first.textContent()).toContain('<b>急</b>');
    expect(await first.locator('a').getAttribute('href')).toBe('https://shop.example/orders/12345');
    // Shown, so read: the customer's side gets the read mark.
    const seq = wang.messages().find((m) => m.text.includes('没有发货'))!.seq;
    await expect.poll(() => wang.session()?.agentRead ?? 0).toBeGreaterThanOrEqual(seq);
  });

  it('Alt+Shift+C declines an offer; a second chat is accepted with the button', async () => {
    tom = await visitor('en');
    tom.identify({ name: 'Tom Baker', phone: '+44 20 7946 0000', email: 'tom@example.com' });
    tom.handoff();
    await tom.say('Hi, my refund has not arrived yet.');
    const banner = page.getByTestId('chat-offer');
    await banner.waitFor();
    const declined = (await banner.getAttribute('data-offer'))!;
    await page.keyboard.press('Alt+Shift+KeyC');
    await expect.poll(() => offerState(declined)).toBe('declined');
    // Nobody else of the department is Available: the service offers the chat to agent01 again, a new offer.
    await expect
      .poll(async () => (await banner.count()) && (await banner.getAttribute('data-offer')), {
        timeout: 20_000,
      })
      .not.toBe(declined);
    await banner.waitFor();
    await page.getByTestId('chat-offer-accept').click();
    await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(2);
    await expect.poll(chatCount).toBe('2');
    expect(await page.getByTestId('chat-visitor-name').textContent()).toBe('Tom Baker');
    await expect.poll(() => tom.session()?.state).toBe('agent');
  });

  it('canned responses by "/" with variables filled; Enter sends; typing and read marks both ways', async () => {
    await page.getByTestId('chat-tab').first().click();
    await expect.poll(() => page.getByTestId('chat-visitor-name').textContent()).toBe('王建国');
    wang.setTyping(true);
    await page.getByTestId('chat-visitor-typing').waitFor();

    const composer = page.getByTestId('chat-composer');
    await composer.click();
    await page.keyboard.type('/gr');
    await page.getByTestId('canned-picker').waitFor();
    expect(await page.getByTestId('canned-item').count()).toBe(2);
    await shootBothLanguages(page, 'chat-canned');
    await page.keyboard.press('Enter');
    await expect.poll(() => composer.inputValue()).toContain('王建国');
    const filled = await composer.inputValue();
    expect(filled).toContain(agent.displayName);
    expect(filled).not.toContain('{{');

    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('请问订单号是多少？');
    await page.keyboard.press('Enter');
    const sent = `${filled}\n请问订单号是多少？`;
    await expect.poll(() => agentTexts(wang)).toEqual([sent]);
    // The agent typed: the customer was told, debounced (a dozen keys, not a dozen events), and told it stopped.
    expect(wang.typing.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(wang.typing.filter(Boolean).length).toBeLessThanOrEqual(3);
    await expect.poll(() => wang.typing.at(-1)).toBe(false);
    const mine = page.getByTestId('chat-message').filter({ hasText: '请问订单号是多少' });
    await mine.waitFor();
    await expect.poll(() => mine.getByTestId('chat-mark').getAttribute('data-mark')).not.toBe('read');
    wang.read(wang.messages().find((m) => m.text === sent)!.seq);
    await expect.poll(() => mine.getByTestId('chat-mark').getAttribute('data-mark')).toBe('read');
    wang.setTyping(false);
    await wang.say('订单号 12345，谢谢');
    await page.getByTestId('chat-message').filter({ hasText: '订单号 12345' }).waitFor();
    await page.getByTestId('kb-suggested').waitFor();
    await page.getByTestId('chat-customer-timeline').waitFor();
    await shootBothLanguages(page, 'chat-two-chats');
  });

  it('written while the service is down: kept, shown as waiting, sent once when it is back', async () => {
    const port = portOf(server.url);
    await server.stop();
    await page.getByTestId('chat-offline').waitFor({ timeout: 30_000 });
    const composer = page.getByTestId('chat-composer');
    await composer.click();
    await page.keyboard.type('网络断了也不会丢');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('chat-pending').getAttribute('data-state')).toBe('queued');
    // Offline, the chat actions that need the service are not offered.
    expect(await page.getByTestId('chat-end').isDisabled()).toBe(true);
    await shootBothLanguages(page, 'chat-offline');
    server = await startServer(dir.path, { port });
    await untilOnline(page);
    await expect
      .poll(() => agentTexts(wang).filter((t) => t === '网络断了也不会丢').length, { timeout: 30_000 })
      .toBe(1);
    await expect.poll(() => page.getByTestId('chat-pending').count()).toBe(0);
    await page.getByTestId('chat-message').filter({ hasText: '网络断了也不会丢' }).waitFor();
    // Stored once by the service, and still agent01's chat.
    expect(
      db((d) => d.prepare("select count(*) as n from chat_messages where body = '网络断了也不会丢'").get()),
    ).toEqual({ n: 1 });
    expect(wang.session()?.state).toBe('agent');
  });

  it('"Make ticket" in one step opens the new ticket; End chat ends it for the customer', async () => {
    const chatId = (await page.getByTestId('chat-view').getAttribute('data-chat'))!;
    await page.getByTestId('chat-to-ticket').click();
    await page.getByTestId('chat-ticket-submit').click();
    await page.getByTestId('nav-tickets').waitFor();
    await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).not.toBeNull();
    const shown = await page.getByTestId('ticket-detail').getAttribute('data-ticket-id');
    const made = db(
      (d) =>
        d
          .prepare(
            `select t.id, t.channel, t.assignee_id as assignee from chat_ticket_links l
               join tickets t on t.id = l.ticket_id where l.session_id = ?`,
          )
          .get(chatId) as { id: string; channel: string; assignee: string },
    );
    expect(made).toMatchObject({ id: shown, channel: 'chat', assignee: agent.id });
    await page.getByTestId('nav-chats').click();
    await page.getByTestId('chat-open-ticket').waitFor();
    await page.getByTestId('chat-end').click();
    await expect.poll(() => page.getByTestId('chat-state').first().textContent()).toBe('Ended');
    await expect.poll(chatCount).toBe('1');
    await expect.poll(() => wang.session()?.state).toBe('ended');
  });

  it("Transfer to a queue of the department: the chat leaves the agent's tabs", async () => {
    // On a break, so the service does not offer the chat straight back to the only agent with a desktop.
    await page.getByTestId('agent-state').click();
    await page.getByTestId('agent-state-Break-lunch').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('Break');
    await page.getByTestId('chat-tab').filter({ hasText: 'Tom Baker' }).click();
    await page.getByTestId('chat-transfer').click();
    await page.getByRole('button', { name: 'To a queue' }).click();
    await page.getByRole('combobox').last().click();
    await page.getByRole('option').first().click();
    await page.getByTestId('chat-transfer-submit').click();
    await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(1);
    await expect.poll(chatCount).toBe('0');
    // The customer waits for the next agent, and is told.
    await expect.poll(() => tom.session()?.state).toBe('waiting');
  });
});

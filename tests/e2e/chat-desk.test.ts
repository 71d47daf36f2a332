import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CannedResponse } from '../../src/shared/chat/agent-protocol';
import { startChatRelay, type ChatRelay } from './chat-desk-relay';
import {
  apiLogin,
  launchChromium,
  shootBothLanguages,
  signIn,
  startHost,
  startServer,
  tempDir,
  untilTicketsSettled,
  type Proc,
} from './harness';

/**
 * The chat desk in the workbench (browser-mode host, Chromium), its state fed through the desktop services:
 * the host signs in through tests/e2e/chat-desk-relay.ts, which passes everything to the real service and
 * answers the agent chat events itself (the service's chat:* handlers come in another branch). Offers with the
 * seconds left and keyboard accept/decline, two chats in tabs, the visitor's text shown as text, typing both
 * ways, read marks, canned responses with variables, a message written while the service is away sent once
 * when it is back, a ticket from the chat opened. SWITCHBOARD_SCREENS=<folder>: chat-offer, chat-canned,
 * chat-two-chats, chat-offline in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let relay: ChatRelay;
let browser: Browser;
let page: Page;
let ticket: { id: string; number: number; customerId: string; customerName: string };
let agent: { id: string; departmentId: string; displayName: string };

const canned = (shortcut: string, language: 'zh-CN' | 'en', title: string, text: string): CannedResponse => ({
  id: `0190c100-0000-7000-8000-${String(shortcut.length).padStart(4, '0')}${shortcut.charCodeAt(0).toString(16).padStart(8, '0')}`,
  departmentId: null,
  language,
  shortcut,
  title,
  text,
  updatedAt: new Date().toISOString(),
});

beforeAll(async () => {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) mkdirSync(screens, { recursive: true });
  dir = tempDir('sb-chatdesk-e2e-');
  server = await startServer(dir.path);
  const login = await apiLogin(server.url, 'agent01');
  const db = new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const u = db.prepare('select display_name from users where id = ?').get(login.user.id) as {
      display_name: string;
    };
    agent = { id: login.user.id, departmentId: login.user.departmentId!, displayName: u.display_name };
    const t = db
      .prepare(
        `select t.id, t.number, t.customer_id as customerId, c.name as customerName
           from tickets t join customers c on c.id = t.customer_id
          where t.department_id = ? order by t.number limit 1`,
      )
      .get(agent.departmentId) as typeof ticket;
    ticket = t;
  } finally {
    db.close();
  }
  relay = await startChatRelay({
    upstream: server.url,
    departmentId: agent.departmentId,
    agentId: agent.id,
    agentName: agent.displayName,
    ticketId: ticket.id,
    canned: [
      canned(
        'greet',
        'zh-CN',
        '问候',
        '您好 {{customer.name}}，我是{{department.name}}的{{agent.name}}，很高兴为您服务。',
      ),
      canned(
        'greet-en',
        'en',
        'Greeting',
        'Hello {{customer.name}}, this is {{agent.name}}. How can I help?',
      ),
      canned('ticket', 'zh-CN', '工单号', '您的工单号是 {{ticket.number}}，我们会尽快处理。'),
    ],
  });
  host = await startHost(dir.path, { serverUrls: [relay.url] });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}\n${e.stack ?? ''}`.slice(0, 1500)));
  page.on('console', (m) => m.type() === 'error' && console.error(`[console] ${m.text()}`.slice(0, 1500)));
  await signIn(page, { hostUrl: host.url, serverUrl: relay.url }, 'agent01');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await relay?.close();
  await server?.stop();
  dir?.remove();
});

const chatCount = () => page.getByTestId('nav-chats').getAttribute('data-count');

describe('chat desk', () => {
  it('an offer shows who and the seconds left; Alt+C accepts it and the chat opens in a tab', async () => {
    await untilTicketsSettled(page);
    const offer = relay.offer(
      { name: ticket.customerName, phone: null, email: null, language: 'zh-CN' },
      '你好，我的订单一直没有发货 <b>急</b> https://shop.example/orders/12345',
      { customerId: ticket.customerId },
    );
    const banner = page.getByTestId('chat-offer');
    await banner.waitFor();
    expect(await banner.getAttribute('data-offer')).toBe(offer.offerId);
    expect(await banner.textContent()).toContain(ticket.customerName);
    await expect
      .poll(async () =>
        Number((await page.getByTestId('chat-offer-seconds').textContent())?.match(/\d+/)?.[0]),
      )
      .toBeGreaterThan(20);
    await shootBothLanguages(page, 'chat-offer');

    await page.keyboard.press('Alt+KeyC');
    await page.getByTestId('chat-desk').waitFor();
    await expect.poll(() => page.getByTestId('chat-offer').count()).toBe(0);
    await expect.poll(chatCount).toBe('1');
    // The visitor's words as text: the markup is characters on screen, only the http(s) address is a link.
    const first = page.getByTestId('chat-message').filter({ hasText: '没有发货' });
    await first.waitFor();
    expect(await first.locator('b').count()).toBe(0);
    expect(await first.textContent()).toContain('<b>急</b>');
    expect(await first.locator('a').getAttribute('href')).toBe('https://shop.example/orders/12345');
    // Shown, so read: the desktop says so.
    await expect.poll(() => relay.reads.some((r) => r.read !== undefined)).toBe(true);
  });

  it('Alt+Shift+C declines an offer; a second chat is accepted with the button', async () => {
    relay.offer({ name: 'Declined Visitor', phone: null, email: null, language: 'en' }, 'hello?');
    await page.getByTestId('chat-offer').waitFor();
    await page.keyboard.press('Alt+Shift+KeyC');
    await expect.poll(() => relay.declines.length).toBe(1);
    await expect.poll(() => page.getByTestId('chat-offer').count()).toBe(0);

    relay.offer(
      { name: 'Tom Baker', phone: '+44 20 7946 0000', email: 'tom@example.com', language: 'en' },
      'Hi, my refund has not arrived yet.',
    );
    await page.getByTestId('chat-offer-accept').click();
    await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(2);
    await expect.poll(chatCount).toBe('2');
    expect(await page.getByTestId('chat-visitor-name').textContent()).toBe('Tom Baker');
  });

  it('canned responses by "/" with variables filled; Enter sends; typing and read marks both ways', async () => {
    await page.getByTestId('chat-tab').first().click();
    const chatId = (await page.getByTestId('chat-view').getAttribute('data-chat'))!;
    relay.visitorTyping(chatId, true);
    await page.getByTestId('chat-visitor-typing').waitFor();

    const composer = page.getByTestId('chat-composer');
    await composer.click();
    await page.keyboard.type('/gr');
    await page.getByTestId('canned-picker').waitFor();
    expect(await page.getByTestId('canned-item').count()).toBe(2);
    await shootBothLanguages(page, 'chat-canned');
    await page.keyboard.press('Enter');
    await expect.poll(() => composer.inputValue()).toContain(ticket.customerName);
    const filled = await composer.inputValue();
    expect(filled).toContain(ticket.customerName);
    expect(filled).toContain(agent.displayName);
    expect(filled).not.toContain('{{');

    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('请问订单号是多少？');
    await page.keyboard.press('Enter');
    await expect.poll(() => relay.sends.length).toBe(1);
    expect(relay.sends[0]!.text).toBe(`${filled}\n请问订单号是多少？`);
    // The agent typed: the visitor was told, debounced (a dozen keys, not a dozen events), and told it stopped.
    const said = relay.typing.filter((t) => t.chatId === chatId);
    expect(said.filter((t) => t.typing).length).toBeGreaterThanOrEqual(1);
    expect(said.filter((t) => t.typing).length).toBeLessThanOrEqual(3);
    await expect.poll(() => relay.typing.filter((t) => t.chatId === chatId).at(-1)?.typing).toBe(false);
    const mine = page.getByTestId('chat-message').filter({ hasText: '请问订单号是多少' });
    await mine.waitFor();
    expect(await mine.getByTestId('chat-mark').getAttribute('data-mark')).toBe('sent');
    relay.visitorReads(chatId, Number(await mine.getAttribute('data-seq')));
    await expect.poll(() => mine.getByTestId('chat-mark').getAttribute('data-mark')).toBe('read');
    relay.visitorTyping(chatId, false);
    relay.visitorSays(chatId, '订单号 12345，谢谢');
    await page.getByTestId('chat-message').filter({ hasText: '订单号 12345' }).waitFor();
    await page.getByTestId('kb-suggested').waitFor();
    await page.getByTestId('chat-customer-timeline').waitFor();
    await shootBothLanguages(page, 'chat-two-chats');
  });

  it('written while the service is away: kept, shown as waiting, sent once when it is back', async () => {
    const chatId = (await page.getByTestId('chat-view').getAttribute('data-chat'))!;
    relay.down();
    await page.getByTestId('chat-offline').waitFor();
    const composer = page.getByTestId('chat-composer');
    await composer.click();
    await page.keyboard.type('网络断了也不会丢');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('chat-pending').getAttribute('data-state')).toBe('queued');
    // Offline, the chat actions that need the service are not offered.
    expect(await page.getByTestId('chat-end').isDisabled()).toBe(true);
    await shootBothLanguages(page, 'chat-offline');
    const before = relay.sends.length;
    relay.up();
    await expect.poll(() => relay.sends.length, { timeout: 20_000 }).toBe(before + 1);
    const resent = relay.sends[before]!;
    expect(resent).toMatchObject({ chatId, text: '网络断了也不会丢' });
    await expect.poll(() => page.getByTestId('chat-pending').count()).toBe(0);
    await page.getByTestId('chat-message').filter({ hasText: '网络断了也不会丢' }).waitFor();
    expect(relay.sends.filter((s) => s.clientId === resent.clientId).length).toBe(1);
  });

  it('"Make ticket" in one step opens the ticket; End chat ends it', async () => {
    await page.getByTestId('chat-to-ticket').click();
    await page.getByTestId('chat-ticket-submit').click();
    await page.getByTestId('nav-tickets').waitFor();
    await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticket.id);
    await page.getByTestId('nav-chats').click();
    await page.getByTestId('chat-open-ticket').waitFor();
    await page.getByTestId('chat-end').click();
    await expect.poll(() => page.getByTestId('chat-state').first().textContent()).toBe('Ended');
    await expect.poll(chatCount).toBe('1');
  });

  it("Transfer to a queue of the department: the chat leaves the agent's tabs", async () => {
    await page.getByTestId('chat-tab').filter({ hasText: 'Tom Baker' }).click();
    await page.getByTestId('chat-transfer').click();
    await page.getByRole('button', { name: 'To a queue' }).click();
    await page.getByRole('combobox').last().click();
    await page.getByRole('option').first().click();
    await page.getByTestId('chat-transfer-submit').click();
    await expect.poll(() => page.getByTestId('chat-tab').count()).toBe(1);
    await expect.poll(chatCount).toBe('0');
  });
});

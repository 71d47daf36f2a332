/**
 * Web chat end to end in Chromium: a customer on a plain page (the service's demo page, one script tag) opens
 * the widget with the keyboard, sends messages (HTML among them, shown as the characters typed), asks for a
 * person, reloads the page mid-chat and sees every message again; with the service down, a message written
 * and a page reload lose nothing: it is sent when the service is back. SWITCHBOARD_SCREENS=<folder> saves
 * the widget in English and Chinese (chat-widget-en.png, chat-widget-zh.png).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer as startService, type RunningServer } from '../../src/server/app';
import { launchChromium, portOf, startServer, tempDir, type Proc } from './harness';

const root = join(import.meta.dirname, '../..');
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(root, 'out/widget/widget.js')))
    throw new Error('out/widget/widget.js is missing: run `npm run build` first');
  dir = tempDir('sb-e2e-chat-');
  server = await startServer(dir.path);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  dir?.remove();
});

const visitorTexts = (page: Page) =>
  page
    .locator('[data-testid="chat-message"][data-sender="visitor"] .bubble')
    .evaluateAll((els) => els.map((e) => e.textContent));
const marks = (page: Page) =>
  page.getByTestId('chat-mark').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.mark));

async function openWithKeyboard(page: Page): Promise<void> {
  await page.getByTestId('chat-launcher').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('chat-panel').waitFor();
  // The message box has the focus: the visitor can type at once.
  await expect
    .poll(() =>
      page
        .getByTestId('chat-input')
        .evaluate(
          (e) => e.getRootNode() instanceof ShadowRoot && (e.getRootNode() as ShadowRoot).activeElement === e,
        ),
    )
    .toBe(true);
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.keyboard.press('Enter');
}

async function shoot(page: Page, name: string): Promise<void> {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (!screens) return;
  mkdirSync(screens, { recursive: true });
  await page.screenshot({ path: join(screens, `${name}.png`) });
}

describe('web chat widget', () => {
  it('keeps every message through a page reload and a service outage', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/chat.html`);
    await openWithKeyboard(page);

    // Asking for a person first (the bot answers only chats nobody asked a person for): the chat waits for an
    // agent, and the button has done its job.
    await page.getByTestId('chat-person').click();
    await page.locator('[data-testid="chat-system"][data-event="handoff_requested"]').waitFor();
    await expect.poll(() => page.getByTestId('chat-state').getAttribute('data-state')).toBe('waiting');
    expect(await page.getByTestId('chat-person').isDisabled()).toBe(true);

    const html = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
    const sent = ['Hello, my parcel has not arrived', html, 'Order 20931, see https://example.com/track'];
    for (const t of sent) await send(page, t);
    await expect.poll(() => marks(page), { timeout: 30_000 }).toEqual(['sent', 'sent', 'sent']);
    expect(await visitorTexts(page)).toEqual(sent);
    // The HTML is text: no element made from it, nothing run.
    expect(
      await page.locator('[data-testid="chat-messages"] img, [data-testid="chat-messages"] b').count(),
    ).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // Only the http(s) link is a link, opened safely.
    const link = page.locator('[data-testid="chat-messages"] a');
    expect(await link.getAttribute('href')).toBe('https://example.com/track');
    expect(await link.getAttribute('rel')).toContain('noopener');

    await shoot(page, 'chat-widget-en');

    // Escape closes the panel and gives the focus back to the launcher.
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('chat-panel').isHidden()).toBe(true);
    expect(
      await page
        .getByTestId('chat-launcher')
        .evaluate((e) => (e.getRootNode() as ShadowRoot).activeElement === e),
    ).toBe(true);

    // A reload mid-chat: every message again, in order, with its mark.
    await page.reload();
    await openWithKeyboard(page);
    await expect.poll(() => visitorTexts(page), { timeout: 30_000 }).toEqual(sent);
    await expect.poll(() => marks(page)).toEqual(['sent', 'sent', 'sent']);
    expect(await page.locator('[data-testid="chat-system"][data-event="handoff_requested"]').count()).toBe(1);

    // The service goes away: the widget says it is reconnecting; what the visitor writes waits in the page
    // and is sent when the service is back.
    const port = portOf(server.url);
    await server.stop();
    await page.getByTestId('chat-reconnecting').waitFor();
    await send(page, 'Are you still there?');
    await expect.poll(() => marks(page)).toEqual(['sent', 'sent', 'sent', 'sending']);
    server = await startServer(dir.path, { port });
    const all = [...sent, 'Are you still there?'];
    await expect.poll(() => marks(page), { timeout: 60_000 }).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(await visitorTexts(page)).toEqual(all);
    await page.getByTestId('chat-reconnecting').waitFor({ state: 'hidden' });

    // The network drops (the browser cannot reach the chat socket), the visitor writes and reloads the page
    // before it is back: the unsent message is still there after the reload and is sent once it is.
    let blocked = true;
    await context.routeWebSocket(/\/chat\/visitor/, (ws) => {
      if (blocked) return void ws.close();
      ws.connectToServer();
    });
    await page.reload();
    await openWithKeyboard(page);
    await page.getByTestId('chat-reconnecting').waitFor();
    await send(page, 'Sent while offline');
    await page.reload();
    await openWithKeyboard(page);
    await expect.poll(() => visitorTexts(page)).toEqual(['Sent while offline']);
    expect(await marks(page)).toEqual(['sending']);
    blocked = false;
    const everything = [...all, 'Sent while offline'];
    await expect.poll(() => visitorTexts(page), { timeout: 60_000 }).toEqual(everything);
    await expect.poll(() => marks(page), { timeout: 30_000 }).toEqual(everything.map(() => 'sent'));

    // Each stored once: a fresh load shows the same list.
    await page.reload();
    await openWithKeyboard(page);
    await expect.poll(() => visitorTexts(page), { timeout: 30_000 }).toEqual(everything);
    await context.close();
  });

  it('loses nothing written in two tabs while offline', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    let blocked = true;
    await context.routeWebSocket(/\/chat\/visitor/, (ws) => {
      if (blocked) return void ws.close();
      ws.connectToServer();
    });
    const a = await context.newPage();
    const b = await context.newPage();
    for (const page of [a, b]) {
      await page.goto(`${server.url}/demo/chat.html`);
      await openWithKeyboard(page);
    }
    await send(a, 'written in tab A');
    await send(b, 'written in tab B');
    // Tab A is reloaded: what tab B queued after it did not push A's message out of the queue.
    await a.reload();
    await openWithKeyboard(a);
    await expect.poll(() => visitorTexts(a)).toEqual(['written in tab A', 'written in tab B']);
    blocked = false;
    await expect.poll(() => marks(a), { timeout: 60_000 }).toEqual(['sent', 'sent']);
    await a.reload();
    await openWithKeyboard(a);
    await expect
      .poll(() => visitorTexts(a), { timeout: 30_000 })
      .toEqual(['written in tab A', 'written in tab B']);
    await context.close();
  });

  it('speaks Chinese on a Chinese page', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/chat.html?lang=zh`);
    await expect.poll(() => page.getByTestId('chat-launcher').textContent()).toContain('在线咨询');
    await openWithKeyboard(page);
    await page.getByTestId('chat-details-toggle').click();
    await page.getByTestId('chat-name').fill('王芳');
    await page.getByTestId('chat-email').fill('wang.fang@example.com');
    await page.getByTestId('chat-details-save').click();
    await expect.poll(() => page.getByTestId('chat-details-saved').textContent()).toContain('联系方式');
    await send(page, '你好，我的快递还没到');
    await send(page, '转人工');
    await page.locator('[data-testid="chat-system"][data-event="handoff_requested"]').waitFor();
    await expect.poll(() => page.getByTestId('chat-state').textContent()).toContain('人工客服');
    await expect.poll(() => marks(page)).toEqual(['sent', 'sent']);
    expect(await page.getByTestId('chat-person').textContent()).toBe('转人工客服');
    await shoot(page, 'chat-widget-zh');
    await context.close();
  });

  it('finds and opens help articles, as text, in both languages', async () => {
    for (const [lang, query, q, title, line] of [
      [
        'en',
        '',
        'refund',
        'Refund process and timelines',
        'Once a refund is approved, the money goes back the way it was paid.',
      ],
      ['zh', '?lang=zh', '退款', '退款流程与到账时间', '退款审核通过后，款项按原支付方式退回。'],
    ] as const) {
      const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/demo/chat.html${query}`);
      await openWithKeyboard(page);
      // Reached with the keyboard: the button beside "talk to a person", then the search box has the focus.
      await page.getByTestId('kb-open').focus();
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('kb-open').textContent()).toBe(
        lang === 'zh' ? '帮助文章' : 'Help articles',
      );
      await page.keyboard.type(q);
      const hit = page.getByTestId('kb-hit').filter({ hasText: title });
      await hit.waitFor();
      expect(await hit.locator('span').textContent()).toContain(line.slice(0, 12));
      await hit.focus();
      await page.keyboard.press('Enter');
      expect(await page.getByTestId('kb-article-title').textContent()).toBe(title);
      const body = page.getByTestId('kb-article-body');
      expect(await body.textContent()).toContain(line);
      // Plain text: the body's lines are text nodes, no element was made from it.
      expect(await body.evaluate((e) => e.children.length)).toBe(0);
      await shoot(page, `widget-kb-${lang}`);
      // Back: to the results, the article's entry focused; back again: to the chat.
      await page.getByTestId('kb-back').click();
      await hit.waitFor();
      await page.getByTestId('kb-back').click();
      await page.getByTestId('chat-input').waitFor();
      await context.close();
    }
    // Past the public search's rate limit (30 per 10 s per address) the visitor is told to wait, in their language.
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/chat.html?lang=zh`);
    await openWithKeyboard(page);
    await page.evaluate(async () => {
      for (let i = 0; i < 31; i++) await fetch('/api/public/kb/search?q=x');
    });
    await page.getByTestId('kb-open').click();
    await page.getByTestId('kb-search').fill('退款');
    await expect
      .poll(() => page.getByTestId('kb-status').textContent())
      .toMatch(/^搜索过于频繁，请 \d+ 秒后再试。$/);
    expect(await page.getByTestId('kb-hit').count()).toBe(0);
    await context.close();
  });

  it('shows the agent joining, typing, replying and reading, in both languages', async () => {
    // The service in this process, so the test can act as the agent side through its chat API (the desktop's
    // chat tabs come in the next round).
    const local = tempDir('sb-e2e-chat-agent-');
    let service: RunningServer | undefined;
    try {
      service = await startService({
        port: 0,
        dbPath: join(local.path, 'server.sqlite'),
        seed: 'demo',
        log: () => {},
      });
      const chat = service.chat;
      for (const [lang, query, ask, reply] of [
        ['en', '', 'I need a human, my card was charged twice', 'Sorry about that! Let me check the charge.'],
        ['zh', '?lang=zh', '转人工，我的卡被扣了两次款', '很抱歉给您带来不便，我马上为您查询。'],
      ] as const) {
        const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
        const page = await context.newPage();
        await page.goto(`${service.url}/demo/chat.html${query}`);
        await openWithKeyboard(page);
        const handoff = new Promise<string>((resolve) => {
          const off = chat.on('handoff', (s) => {
            off();
            resolve(s.id);
          });
        });
        await send(page, ask);
        const sessionId = await handoff;
        const agentId = (await chat.waiting()).find((s) => s.id === sessionId) && (await agent01(service));
        await chat.assign(sessionId, agentId!);
        await expect.poll(() => page.getByTestId('chat-state').getAttribute('data-state')).toBe('agent');
        // The hand-off the first message asked for, and the agent joining, are both shown.
        await expect
          .poll(() =>
            page
              .getByTestId('chat-system')
              .evaluateAll((els) => els.map((e) => e.getAttribute('data-event'))),
          )
          .toEqual(['handoff_requested', 'agent_joined']);
        await chat.agentTyping(sessionId, true);
        await expect.poll(() => page.getByTestId('chat-typing').textContent()).not.toBe('');
        const sent = await chat.agentSend(sessionId, agentId!, { clientId: `r-${lang}`, text: reply });
        await page.locator('[data-testid="chat-message"][data-sender="agent"]').waitFor();
        expect(await page.locator('[data-sender="agent"] .bubble').textContent()).toBe(reply);
        // The widget's panel is open on a visible page: the agent's message is marked read on the server.
        await expect.poll(async () => (await chat.session(sessionId))!.visitorRead).toBe(sent.seq);
        // The agent's desktop read the visitor's message: the widget shows it.
        await chat.agentReceipt(sessionId, { read: sent.seq - 1 });
        await expect.poll(() => marks(page)).toEqual(['read']);
        await chat.agentTyping(sessionId, true);
        await shoot(page, `chat-widget-agent-${lang}`);
        await context.close();
      }
    } finally {
      await service?.close();
      local.remove();
    }
  });
});

async function agent01(service: RunningServer): Promise<string> {
  const res = await fetch(`${service.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'agent01', password: 'switchboard' }),
  });
  return ((await res.json()) as { user: { id: string } }).user.id;
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectVisitor, type Visitor } from './chat-desk-visitor';
import {
  launchChromium,
  shootBothLanguages,
  signIn,
  startHost,
  startServer,
  tempDir,
  untilTicketsSettled,
  UNSOLVED_ROW,
  type Proc,
} from './harness';

/**
 * The "Suggested answer" panel in the workbench (browser-mode host, Chromium) against the real central service
 * with the optional LLM stage configured to a small local fake of the OpenAI-compatible API (the only fake: a
 * model server we do not ship). Beside a ticket: the draft (here the model's, citing source [1]) goes into the
 * reply box with Alt+I and is not sent. Beside a chat, the model fails (HTTP 500): the local draft stands, with
 * its subtle mark, and the button inserts it into the composer. Offline: one line, the ticket still there.
 * SWITCHBOARD_SCREENS=<folder>: answers-ticket, answers-chat, answers-offline in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let page: Page;
let fake: Server;
let mode: 'good' | 'fail' = 'good';
const visitors: Visitor[] = [];

beforeAll(async () => {
  fake = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += String(c)));
    req.on('end', () => {
      if (mode === 'fail') return void res.writeHead(500).end('overloaded');
      const { messages } = JSON.parse(raw) as { messages: { content: string }[] };
      const zh = messages[0]!.content.includes('Chinese');
      // The first line of source [1]'s text: what a model given only that source could say.
      const source = /\[1\] \(article\) [^\n]*\n([^\n]+)/.exec(messages[1]!.content)?.[1] ?? '';
      const content = zh
        ? `您好！${source} [1]\n\n如有其他问题，欢迎随时回复。`
        : `Hello! ${source} [1]\n\nIf anything else comes up, just reply here.`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((ok) => fake.listen(0, '127.0.0.1', ok));
  process.env['SWITCHBOARD_LLM_URL'] = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  process.env['SWITCHBOARD_LLM_MODEL'] = 'fake-local';
  process.env['SWITCHBOARD_LLM_TIMEOUT_MS'] = '3000';
  dir = tempDir('sb-answers-e2e-');
  server = await startServer(dir.path);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
}, 240_000);

afterAll(async () => {
  for (const v of visitors) v.close();
  await browser?.close();
  await host?.stop();
  await server?.stop();
  await new Promise<void>((ok) => (fake ? fake.close(() => ok()) : ok()));
  dir?.remove();
  delete process.env['SWITCHBOARD_LLM_URL'];
});

describe('suggested answer in the workbench', () => {
  it('beside a ticket: the draft cites its source and Alt+I puts it into the reply box, unsent', async () => {
    await untilTicketsSettled(page);
    await page.locator(UNSOLVED_ROW).first().click();
    const draft = page.getByTestId('answers-draft');
    await draft.waitFor({ timeout: 30_000 });
    const text = (await draft.textContent())!;
    expect(text).toContain('[1]');
    expect(await page.getByTestId('answers-citations').locator('li').count()).toBeGreaterThan(0);
    // The model answered well: no mark.
    expect(await page.getByTestId('answers-llm-mark').count()).toBe(0);
    await page.keyboard.press('Alt+KeyI');
    await expect.poll(() => page.getByTestId('comment-input').inputValue()).toBe(text);
    // Nothing was sent: the thread has no comment with the draft's text.
    expect(
      await page
        .getByTestId('comment-item')
        .filter({ hasText: text.slice(0, 20) })
        .count(),
    ).toBe(0);
    await shootBothLanguages(page, 'answers-ticket');
  });

  it('beside a chat: the local draft with its mark when the model fails, inserted into the composer', async () => {
    mode = 'fail';
    await page.getByTestId('agent-state').click();
    await page.getByTestId('agent-state-Available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('Available');
    const v = await connectVisitor(server.url, 'zh-CN');
    visitors.push(v);
    v.identify({ name: '李娜', email: 'li.na@example.com' });
    v.handoff();
    await v.say('你好 我寄回去的退货好几天了还显示在路上，在哪里能查到退货物流啊');
    await page.getByTestId('chat-offer').waitFor();
    await page.keyboard.press('Alt+KeyC');
    await page.getByTestId('chat-desk').waitFor();
    const draft = page.getByTestId('chat-desk').getByTestId('answers-draft');
    await draft.waitFor({ timeout: 30_000 });
    const text = (await draft.textContent())!;
    expect(text).toMatch(/退货/);
    expect(text).toContain('[1]');
    await page.getByTestId('chat-desk').getByTestId('answers-llm-mark').waitFor();
    await page.getByTestId('chat-desk').getByTestId('answers-insert').click();
    await expect.poll(() => page.getByTestId('chat-composer').inputValue()).toBe(text);
    expect(v.messages().some((m) => m.sender === 'agent')).toBe(false);
    await shootBothLanguages(page, 'answers-chat');
  });

  it('offline: one clear line, the ticket still shown', async () => {
    await page.getByTestId('nav-tickets').click();
    await server.stop();
    await page.locator(UNSOLVED_ROW).nth(1).click();
    await page.getByTestId('answers-offline').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('ticket-detail').count()).toBe(1);
    await shootBothLanguages(page, 'answers-offline');
  });
});

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SHORTCUTS } from '../../src/renderer/common/shortcuts';
import { e2eWorld, apiLogin, shootBothLanguages, signIn, untilTicketsSettled } from './harness';

/**
 * The walking skeleton end to end with real parts: the central service on a temporary database with the
 * demo data, the browser-mode host serving the built renderer, and Debian's Chromium driven by Playwright.
 */
const world = e2eWorld('sb-e2e-');

async function login(username: string): Promise<Page> {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

const rowDepartments = (page: Page) =>
  page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-department-id')));

/** The total shown above the list, once it has loaded (it shows an ellipsis while a search runs). */
async function ticketCount(page: Page): Promise<number> {
  const count = page.getByTestId('ticket-count');
  await expect.poll(() => count.innerText()).toMatch(/\d/);
  return Number((await count.innerText()).replace(/\D/g, ''));
}

async function search(page: Page, text: string) {
  await page.getByTestId('ticket-search').fill(text);
  // The list has caught up when every row shown matches the query the box holds.
  await expect.poll(() => page.getByTestId('ticket-count').getAttribute('data-query')).toBe(text);
}

describe('agent workbench in browser mode', () => {
  let agent: Page;
  let departmentId: string;

  it('refuses a wrong password with a message that says so, and nothing about an ended session', async () => {
    for (const [locale, sentence, session] of [
      ['en-US', 'The user name or password is not correct', /session/i],
      ['zh-CN', '用户名或密码不正确', /会话/],
    ] as const) {
      const page = await world.browser.newPage({ locale });
      await page.goto(world.host.url);
      await page.getByTestId('login-server').fill(world.server.url);
      await page.getByTestId('login-username').fill('agent01');
      await page.getByTestId('login-password').fill('not-the-password');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('login-error').waitFor();
      const text = await page.getByTestId('login-error').innerText();
      expect(text).toContain(sentence);
      expect(text).not.toMatch(session);
      await page.close();
    }
  });

  it('says on the sign-in screen that remember-me cannot work here, and not again over the list', async () => {
    // This host has no keychain (no keyring option): remember-me has nowhere safe to keep a token.
    const context = await world.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1400, height: 900 },
    });
    const page = await context.newPage();
    await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, 'agent03', async (p) => {
      const remember = p.getByTestId('login-remember');
      await expect.poll(() => remember.isDisabled()).toBe(true);
      expect(await remember.isChecked()).toBe(false);
      expect(await p.getByTestId('login-remember-unavailable').innerText()).toMatch(
        /no secure credential store/,
      );
    });
    // A notice would come up in the same render as the workbench, so it would be on screen now.
    expect(await page.getByText(/credential store|keychain/i).count()).toBe(0);
    await page.getByTestId('ticket-row').first().waitFor();
    expect(await page.getByText(/credential store|keychain/i).count()).toBe(0);
    await context.close();
  });

  it('logs an agent in and shows only tickets of their own department', async () => {
    departmentId = (await apiLogin(world.server.url, 'agent01')).user.departmentId!;
    agent = await login('agent01');
    const total = await ticketCount(agent);
    // The demo has 10,000 tickets over three departments: an agent sees one department's share.
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThan(10_000);
    const departments = await rowDepartments(agent);
    expect(departments.length).toBeGreaterThan(5);
    expect(new Set(departments)).toEqual(new Set([departmentId]));
  });

  it('searches the local index in Chinese and in English', async () => {
    const all = await ticketCount(agent);
    await search(agent, '退款');
    const zh = await ticketCount(agent);
    expect(zh).toBeGreaterThan(0);
    expect(zh).toBeLessThan(all);
    expect(await agent.getByTestId('ticket-row').first().innerText()).toMatch(/退款|refund/i);

    await search(agent, 'refund');
    const en = await ticketCount(agent);
    expect(en).toBeGreaterThan(0);
    expect(en).toBeLessThan(all);
    expect(new Set(await rowDepartments(agent))).toEqual(new Set([departmentId]));

    await search(agent, 'zzqxj-no-such-word');
    expect(await ticketCount(agent)).toBe(0);
    await search(agent, '');
    expect(await ticketCount(agent)).toBe(all);
  });

  it('lists every keyboard shortcut on ? and from the top bar, and Esc closes the list', async () => {
    const dialog = agent.getByTestId('shortcuts-dialog');
    // Typing a question mark in a field is typing, not asking for help.
    await agent.getByTestId('ticket-search').focus();
    await agent.keyboard.press('Shift+Slash');
    expect(await agent.getByTestId('ticket-search').inputValue()).toBe('?');
    expect(await dialog.count()).toBe(0);
    await search(agent, '');
    await agent.keyboard.press('Escape');

    await agent.keyboard.press('Shift+Slash');
    await dialog.waitFor();
    expect(await agent.getByTestId('shortcut-row').count()).toBe(SHORTCUTS.length);
    const text = await dialog.innerText();
    for (const keys of [
      '?',
      'Alt+N',
      'Alt+A',
      'Alt+X',
      'Alt+H',
      'Alt+M',
      'Alt+K',
      'Alt+P',
      'Ctrl+Enter',
      'Esc',
    ])
      expect(text).toContain(keys);
    await agent.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The same physical key with a Chinese input method on: the key comes as 'Process' (or a full-width ？).
    const cdp = await agent.context().newCDPSession(agent);
    const ime = { key: 'Process', code: 'Slash', modifiers: 8, windowsVirtualKeyCode: 229 };
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...ime });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...ime });
    await dialog.waitFor();
    await agent.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await cdp.detach();

    await agent.getByTestId('shortcuts-open').click();
    await dialog.waitFor();
    await agent.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('edits a ticket; the change reaches the server and, live, a second agent of the department', async () => {
    // Closed is final (shared ticket rules), so take the first ticket that can still change.
    const row = agent.locator('[data-testid="ticket-row"]:not([data-status="closed"])').first();
    const ticketId = (await row.getAttribute('data-ticket-id'))!;
    await row.click();
    await agent.getByTestId('ticket-detail').waitFor();
    const number = (await agent.getByTestId('ticket-number').innerText()).replace(/\D/g, '');

    // The colleague has the same ticket open before the edit is made.
    const colleague = await login('agent02');
    await search(colleague, number);
    await colleague.locator(`[data-testid="ticket-row"][data-ticket-id="${ticketId}"]`).click();
    await colleague.getByTestId('ticket-detail').waitFor();

    const status = agent.getByTestId('ticket-status');
    const next = (await status.inputValue()) === 'pending' ? 'open' : 'pending';
    await status.selectOption(next);
    await agent.getByTestId('ticket-priority').selectOption('urgent');
    const comment = `E2E 回访记录 ${Date.now()}: customer called back`;
    await agent.getByTestId('comment-input').fill(comment);
    await agent.getByTestId('comment-submit').click();
    await expect
      .poll(() => agent.getByTestId('comment-item').allInnerTexts())
      .toContainEqual(expect.stringContaining(comment));

    // On the world.server, through its REST API.
    const { accessToken } = await apiLogin(world.server.url, 'agent01');
    await expect
      .poll(
        async () => {
          const res = await fetch(`${world.server.url}/api/tickets/${ticketId}`, {
            headers: { authorization: `Bearer ${accessToken}` },
          });
          const body = (await res.json()) as {
            ticket: { status: string; priority: string };
            comments: { body: string }[];
          };
          return [body.ticket.status, body.ticket.priority, body.comments.some((c) => c.body === comment)];
        },
        { timeout: 20_000 },
      )
      .toEqual([next, 'urgent', true]);
    await expect.poll(() => agent.getByTestId('pending-count').innerText(), { timeout: 20_000 }).toBe('0');

    // On the colleague's screen, without reloading.
    await expect
      .poll(() => colleague.getByTestId('ticket-status').inputValue(), { timeout: 20_000 })
      .toBe(next);
    expect(await colleague.getByTestId('ticket-priority').inputValue()).toBe('urgent');
    await expect
      .poll(() => colleague.getByTestId('comment-item').allInnerTexts(), { timeout: 20_000 })
      .toContainEqual(expect.stringContaining(comment));
  });

  it('finds a customer by a Chinese name and by phone digits and opens their tickets', async () => {
    await agent.getByTestId('nav-customers').click();
    const searchCustomers = async (text: string) => {
      await agent.getByTestId('customer-search').fill(text);
      await expect.poll(() => agent.getByTestId('customer-count').getAttribute('data-query')).toBe(text);
    };
    await searchCustomers('陈');
    const names = await agent.getByTestId('customer-row').allInnerTexts();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toContain('陈');

    await agent.getByTestId('customer-row').first().click();
    await agent.getByTestId('customer-detail').waitFor();
    expect(await agent.getByTestId('customer-name').innerText()).toContain('陈');
    // Everyone in the replica came with a ticket of the agent's department.
    expect(await agent.getByTestId('customer-ticket-row').count()).toBeGreaterThan(0);
    const phone = (await agent.getByTestId('customer-detail').innerText()).match(
      /\+86 (\d{3}) (\d{4}) (\d{4})/,
    );
    expect(phone).not.toBeNull();
    // One timeline of every contact: the tickets opened are on it, and the Tickets filter leaves only them.
    const kinds = () =>
      agent
        .getByTestId('customer-timeline')
        .getByTestId('timeline-entry')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    await expect.poll(kinds, { timeout: 15_000 }).toContain('ticket');
    await shootBothLanguages(agent, 'customer-timeline');
    await agent.getByTestId('timeline-filter-ticket').click();
    await expect.poll(async () => [...new Set(await kinds())]).toEqual(['ticket']);
    await agent.getByTestId('timeline-filter-all').click();

    await agent.getByTestId('customer-back').click();
    await searchCustomers(phone!.slice(1).join(''));
    expect(await agent.getByTestId('customer-row').first().innerText()).toContain('陈');
  });
});

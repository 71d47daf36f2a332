import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiLogin,
  launchChromium,
  portOf,
  startHost,
  startServer,
  tempDir,
  signIn,
  untilTicketsSettled,
  type Proc,
} from './harness';

/**
 * The offline story in browser mode with real parts: the central service goes down, the agent keeps
 * working (edit, comment, new customer, new ticket), the desktop host restarts while still offline, the agent
 * signs out and the host restarts again, the agent signs in offline with their password, the service comes
 * back on the same database and address, checks the sign-in, and everything reaches the server and a colleague.
 * With SWITCHBOARD_SCREENS set to a folder, the offline sign-in screens are saved there in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let serverPort: number;
let hostPort: number;

beforeAll(async () => {
  dir = tempDir('sb-offline-');
  server = await startServer(dir.path);
  // A keychain, as on an agent's computer: "remember me" is what reopens the session after a restart.
  host = await startHost(dir.path, { keyring: true, serverUrls: [server.url] });
  serverPort = portOf(server.url);
  hostPort = portOf(host.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

const suffix = String(Date.now()).slice(-6);
const customerName = `离线客户 ${suffix}`;
const mobile = `139 ${suffix.slice(0, 4)} ${suffix.slice(2, 6)}`;
const subject = `断网时新建 offline ticket ${suffix}`;
const comment = `断网时的回访记录 ${suffix}`;

async function login(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username, async (p) => {
    expect(await p.getByTestId('login-remember').isChecked()).toBe(true);
  });
  await untilTicketsSettled(page);
  return page;
}

const syncState = (page: Page) => page.getByTestId('sync-status').getAttribute('data-state');
const pending = async (page: Page) => Number(await page.getByTestId('pending-count').innerText());

async function searchTickets(page: Page, text: string) {
  await page.getByTestId('ticket-search').fill(text);
  await expect.poll(() => page.getByTestId('ticket-count').getAttribute('data-query')).toBe(text);
}

/** Switches the workbench's language, unless it is shown in it already. */
async function showIn(page: Page, lang: string): Promise<void> {
  if ((await page.getByTestId('lang-switch').getAttribute('data-lang')) === lang) return;
  await page.getByTestId('lang-switch').click();
  await expect.poll(() => page.getByTestId('lang-switch').getAttribute('data-lang')).toBe(lang);
}

/**
 * Saves the page as <SWITCHBOARD_SCREENS>/<name>-<lang>.png in English and Chinese, then back to English;
 * `around`: only a band across the top bar around the element with this test id.
 */
async function screenshots(page: Page, name: string, around?: string): Promise<void> {
  const folder = process.env['SWITCHBOARD_SCREENS'];
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  for (const lang of ['en', 'zh-CN']) {
    await showIn(page, lang);
    await page.mouse.move(700, 880); // away from the switch, so its tooltip is not in the picture
    await page.getByRole('tooltip').waitFor({ state: 'detached' });
    const box = around ? await page.getByTestId(around).boundingBox() : null;
    await page.screenshot({
      path: join(folder, `${name}-${lang}.png`),
      ...(box && {
        clip: { x: Math.max(0, box.x - 280), y: 0, width: Math.min(1400, box.width + 560), height: 140 },
      }),
    });
  }
  await showIn(page, 'en');
}

async function restGet<T>(path: string, token: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}
type ServerTicket = {
  ticket: { number: number; status: string; priority: string; customerId: string; subject: string };
  comments: { body: string }[];
};

describe('offline work in browser mode survives a host restart and reaches the server', () => {
  let agent: Page;
  let editedId: string;
  let editedStatus: string;
  let customerId: string;
  let newTicketId: string;

  it('signs agent01 in, remembered on this computer', async () => {
    agent = await login('agent01');
  });

  it('with the server down: edits, comments, creates a customer and a ticket, all pending', async () => {
    await server.stop();
    await expect.poll(() => syncState(agent), { timeout: 20_000 }).toBe('offline');

    // Closed is final (shared ticket rules), so take the first ticket that can still change.
    const editable = agent.locator('[data-testid="ticket-row"]:not([data-status="closed"])').first();
    editedId = (await editable.getAttribute('data-ticket-id'))!;
    await editable.click();
    await expect.poll(() => agent.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(editedId);
    const status = agent.getByTestId('ticket-status');
    editedStatus = (await status.inputValue()) === 'pending' ? 'open' : 'pending';
    await status.selectOption(editedStatus);
    await agent.getByTestId('ticket-priority').selectOption('urgent');
    await agent.getByTestId('comment-input').fill(comment);
    await agent.getByTestId('comment-submit').click();
    await expect
      .poll(() => agent.getByTestId('comment-item').allInnerTexts())
      .toContainEqual(expect.stringContaining(comment));

    // A new customer from the customers page.
    await agent.getByTestId('nav-customers').click();
    await agent.getByTestId('new-customer-button').click();
    await agent.getByTestId('new-customer-dialog').waitFor();
    await agent.getByTestId('new-customer-name').fill(customerName);
    await agent.getByTestId('new-customer-phone').fill('not a number');
    await agent.getByTestId('new-customer-save').click();
    // Refused on the spot, said at the phone field, and the dialog stays with what was typed.
    await expect
      .poll(() => agent.getByTestId('new-customer-dialog').innerText())
      .toMatch(/not a phone number/);
    await agent.getByTestId('new-customer-phone').fill(mobile);
    await agent.getByTestId('new-customer-save').click();
    await agent.getByTestId('customer-detail').waitFor();
    expect(await agent.getByTestId('customer-name').innerText()).toBe(customerName);
    customerId = (await agent.getByTestId('customer-detail').getAttribute('data-customer-id'))!;

    // A new ticket from the tickets page, by keyboard: Alt+N, pick the customer, type, Ctrl+Enter.
    await agent.getByTestId('nav-tickets').click();
    await agent.keyboard.press('Alt+KeyN');
    await agent.getByTestId('new-ticket-dialog').waitFor();
    await agent.getByTestId('new-ticket-customer').fill(suffix);
    await agent
      .locator(`[data-testid="new-ticket-customer-option"][data-customer-id="${customerId}"]`)
      .click();
    await agent.getByTestId('new-ticket-subject').fill(subject);
    await agent.getByTestId('new-ticket-description').fill('Router lost its settings after a power cut.');
    await agent.getByTestId('new-ticket-priority').selectOption('high');
    await agent.keyboard.press('Control+Enter');
    await agent.getByTestId('new-ticket-dialog').waitFor({ state: 'hidden' });

    const detail = agent.getByTestId('ticket-detail');
    await expect.poll(() => detail.getAttribute('data-ticket-id')).not.toBe(editedId);
    newTicketId = (await detail.getAttribute('data-ticket-id'))!;
    expect(await agent.getByTestId('ticket-number').innerText()).toBe('New · syncing');
    expect(await agent.getByTestId('ticket-sync-state').getAttribute('data-state')).toBe('pending');
    // Searchable at once, provisional in the list too.
    await searchTickets(agent, suffix);
    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${newTicketId}"]`);
    expect(await row.getByTestId('ticket-row-number').innerText()).toBe('New · syncing');
    expect(await pending(agent)).toBeGreaterThan(0);
  });

  it('the desktop host restarts while still offline: the session and the queued work are still there', async () => {
    const before = await pending(agent);
    expect(await agent.getByTestId('ticket-search').inputValue()).toBe(suffix);
    await host.stop();
    await agent.getByTestId('host-unreachable').waitFor();
    host = await startHost(dir.path, { port: hostPort, keyring: true, serverUrls: [server.url] });
    // The page finds the host again, the remembered session reopens the local copy, and the workbench
    // starts over on it (so its search box is empty again).
    await agent.getByTestId('host-unreachable').waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => agent.getByTestId('ticket-search').inputValue(), { timeout: 30_000 }).toBe('');
    // The server is still down: the engine is offline between its reconnect attempts, connecting during one.
    expect(['offline', 'connecting']).toContain(await syncState(agent));
    await expect.poll(() => pending(agent), { timeout: 20_000 }).toBe(before);
    await searchTickets(agent, suffix);
    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${newTicketId}"]`);
    expect(await row.getByTestId('ticket-row-number').innerText()).toBe('New · syncing');
    expect(await row.getAttribute('data-sync-state')).toBe('pending');
  });

  it('signed out during the outage and the host restarted again: the agent signs in offline with their password', async () => {
    const before = await pending(agent);
    await agent.getByTestId('logout').click();
    await agent.getByTestId('logout-signout').click();
    await agent.getByTestId('login-submit').waitFor();
    await host.stop();
    await agent.getByTestId('host-unreachable').waitFor();
    host = await startHost(dir.path, { port: hostPort, keyring: true, serverUrls: [server.url] });
    await agent.getByTestId('host-unreachable').waitFor({ state: 'detached', timeout: 60_000 });

    // Signing in needs the server, which is down: the screen says so and offers the offline way.
    await agent.getByTestId('login-server').fill(server.url);
    await agent.getByTestId('login-username').fill('agent01');
    await agent.getByTestId('login-password').fill('switchboard');
    await agent.getByTestId('login-submit').click();
    const panel = agent.getByTestId('login-offline');
    await panel.waitFor();
    expect(await agent.getByTestId('login-error').getAttribute('data-code')).toBe('unavailable');
    expect(await panel.getAttribute('data-available')).toBe('true');
    expect(await panel.innerText()).toMatch(/cannot see new work from others/);
    await screenshots(agent, 'offline-signin-screen');

    // A wrong password is refused on this computer, and the tries left go down.
    await agent.getByTestId('login-password').fill('not-my-password');
    await agent.getByTestId('login-offline-submit').click();
    await expect
      .poll(() => agent.getByTestId('login-error').innerText())
      .toMatch(/does not match the one last used on this computer/);
    expect(await agent.getByTestId('login-offline-attempts').innerText()).toMatch(/^4 tries left/);

    await agent.getByTestId('login-password').fill('switchboard');
    await agent.getByTestId('login-offline-submit').click();
    await agent.getByTestId('workbench').waitFor();
    const banner = agent.getByTestId('offline-signin');
    expect(await banner.getAttribute('data-check')).toBe('waiting');
    expect(await agent.getByTestId('offline-signin-text').innerText()).toBe(
      'Signed in offline: your changes are kept on this computer and sent when the server is reachable; you cannot see new work from others until then.',
    );
    await agent.getByTestId('offline-chip').waitFor();
    // The work queued before the restarts is all there, still waiting.
    await expect.poll(() => pending(agent), { timeout: 20_000 }).toBe(before);
    await searchTickets(agent, suffix);
    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${newTicketId}"]`);
    expect(await row.getAttribute('data-sync-state')).toBe('pending');
    await screenshots(agent, 'offline-signin-workbench');
  });

  it('the server comes back: it checks the sign-in first, then the outbox drains and the new ticket gets its number', async () => {
    const before = await pending(agent);
    server = await startServer(dir.path, { port: serverPort });
    // Nothing goes before the server has checked the session: the desktop asks for the password in place.
    const banner = agent.getByTestId('offline-signin');
    await expect.poll(() => banner.getAttribute('data-check'), { timeout: 60_000 }).toBe('password');
    expect(await pending(agent)).toBe(before);
    await screenshots(agent, 'offline-signin-password');
    await agent.getByTestId('offline-confirm-password').fill('switchboard');
    await agent.getByTestId('offline-confirm-submit').click();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await agent.getByTestId('offline-chip').count()).toBe(0);
    await expect.poll(() => pending(agent), { timeout: 90_000 }).toBe(0);
    await expect.poll(() => syncState(agent), { timeout: 30_000 }).toBe('online');

    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${newTicketId}"]`);
    await expect
      .poll(() => row.getByTestId('ticket-row-number').innerText(), { timeout: 20_000 })
      .toMatch(/^#\d+$/);
    await row.click();
    await expect.poll(() => agent.getByTestId('ticket-number').innerText()).toMatch(/^#\d+$/);
    expect(await agent.getByTestId('ticket-sync-state').getAttribute('data-state')).toBe('synced');
  });

  it('a colleague of the department sees every change, on the server and on their own desktop', async () => {
    const number = Number((await agent.getByTestId('ticket-number').innerText()).slice(1));
    const { accessToken } = await apiLogin(server.url, 'agent02');
    const created = await restGet<ServerTicket>(`/api/tickets/${newTicketId}`, accessToken);
    expect(created.ticket).toMatchObject({ number, subject, customerId, priority: 'high' });
    const edited = await restGet<ServerTicket>(`/api/tickets/${editedId}`, accessToken);
    expect(edited.ticket).toMatchObject({ status: editedStatus, priority: 'urgent' });
    expect(edited.comments.map((c) => c.body)).toContain(comment);

    const colleague = await login('agent02');
    await searchTickets(colleague, suffix);
    const row = colleague.locator(`[data-testid="ticket-row"][data-ticket-id="${newTicketId}"]`);
    expect(await row.getByTestId('ticket-row-number').innerText()).toBe(`#${number}`);
    expect(await row.innerText()).toContain(customerName);
    await colleague.getByTestId('nav-customers').click();
    await colleague.getByTestId('customer-search').fill(customerName);
    await expect
      .poll(() => colleague.getByTestId('customer-row').allInnerTexts())
      .toContainEqual(expect.stringContaining(customerName));
  });
});

/**
 * Issue 10 point 1 in browser mode: agent01 works offline, an administrator moves them to another department
 * meanwhile, and the server refuses everything queued. Nothing of it is lost: the not-sent list shows each change
 * with the reason, and the agent sends a comment on to a ticket of the new department.
 */
describe('an agent moved to another department while offline keeps their unsent work', () => {
  let agent: Page;
  const movedComment = `调岗前写的评论 ${suffix}`;
  const movedSubject = `调岗前新建 moved ticket ${suffix}`;

  it('signs agent01 in again and works with the server down', async () => {
    agent = await login('agent01');
    await searchTickets(agent, '');
    await server.stop();
    await expect.poll(() => syncState(agent), { timeout: 20_000 }).toBe('offline');
    const editable = agent.locator('[data-testid="ticket-row"]:not([data-status="closed"])').first();
    const id = (await editable.getAttribute('data-ticket-id'))!;
    await editable.click();
    await expect.poll(() => agent.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(id);
    const priority = agent.getByTestId('ticket-priority');
    await priority.selectOption((await priority.inputValue()) === 'low' ? 'high' : 'low');
    await agent.getByTestId('comment-input').fill(movedComment);
    await agent.getByTestId('comment-submit').click();
    await expect
      .poll(() => agent.getByTestId('comment-item').allInnerTexts())
      .toContainEqual(expect.stringContaining(movedComment));
    await agent.keyboard.press('Alt+KeyN');
    await agent.getByTestId('new-ticket-dialog').waitFor();
    await agent.getByTestId('new-ticket-customer').fill(suffix);
    await agent.getByTestId('new-ticket-customer-option').first().click();
    await agent.getByTestId('new-ticket-subject').fill(movedSubject);
    await agent.keyboard.press('Control+Enter');
    await agent.getByTestId('new-ticket-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => pending(agent)).toBe(3);
  });

  it('after the move the server refuses all of it, and the not-sent list shows each item with the reason', async () => {
    const db = new Database(join(dir.path, 'server.sqlite'));
    const me = db.prepare("SELECT id, department_id FROM users WHERE username = 'agent01'").get() as {
      id: string;
      department_id: string;
    };
    const other = db
      .prepare('SELECT id FROM departments WHERE id != ? ORDER BY code LIMIT 1')
      .get(me.department_id) as { id: string };
    db.prepare('UPDATE users SET department_id = ? WHERE id = ?').run(other.id, me.id);
    db.close();
    server = await startServer(dir.path, { port: serverPort });

    const open = agent.getByTestId('not-sent-open');
    await open.waitFor({ timeout: 90_000 });
    await expect.poll(() => pending(agent), { timeout: 60_000 }).toBe(0);
    // The sync status says how many changes did not go, not the last refusal's sentence, and leads to the list.
    const chip = agent.getByTestId('sync-status-group').getByTestId('not-sent-open');
    await expect.poll(() => chip.getByTestId('not-sent-count').innerText()).toBe('3');
    expect(await chip.getAttribute('aria-label')).toBe('Open the Not sent list: 3 changes');
    expect(await agent.getByTestId('sync-refusal').count()).toBe(0);
    // The sync status with its not-sent count.
    await screenshots(agent, 'not-sent-chip', 'sync-status-group');
    // By keyboard: the chip takes the focus and Enter opens the panel.
    await chip.focus();
    expect(await chip.evaluate((el) => el === document.activeElement && el.tabIndex >= 0)).toBe(true);
    await agent.keyboard.press('Enter');
    await agent.getByTestId('not-sent-panel').waitFor();
    const items = agent.getByTestId('not-sent-item');
    await expect.poll(() => items.count()).toBe(3);
    const texts = await agent.getByTestId('not-sent-text').allInnerTexts();
    expect(texts).toContainEqual(movedComment);
    expect(texts).toContainEqual(movedSubject);
    const reasons = await agent.getByTestId('not-sent-reason').allInnerTexts();
    expect(reasons.filter((r) => /no longer in your department/.test(r))).toHaveLength(2);
    expect(reasons.filter((r) => /may not do this any more/.test(r))).toHaveLength(1);
    // The ticket is named as the agent knew it, though the move took it out of the local copy.
    const commentItem = agent.locator('[data-testid="not-sent-item"][data-kind="ticket.comment"]');
    expect(await commentItem.innerText()).toMatch(/on #\d+ /);
    await notSentScreenshots(agent);
  });

  it('sends the refused comment on to a ticket of the new department, and dismisses the edit', async () => {
    const commentItem = agent.locator('[data-testid="not-sent-item"][data-kind="ticket.comment"]');
    await commentItem.getByTestId('not-sent-send-to').click();
    await agent.getByTestId('not-sent-send-pick').first().click();
    await expect.poll(() => agent.getByTestId('not-sent-item').count()).toBe(2);
    const editItem = agent.locator('[data-testid="not-sent-item"][data-kind="ticket.update"]');
    await editItem.getByTestId('not-sent-dismiss').click();
    await agent.getByTestId('not-sent-confirm-dismiss').click();
    await expect.poll(() => agent.getByTestId('not-sent-item').count()).toBe(1);
    expect(await agent.locator('[data-testid="not-sent-item"]').getAttribute('data-kind')).toBe(
      'ticket.create',
    );
    await expect.poll(() => pending(agent), { timeout: 30_000 }).toBe(0);
    await agent.getByTestId('not-sent-close').click();
    await searchTickets(agent, movedComment);
    await expect.poll(() => agent.getByTestId('ticket-row').count(), { timeout: 20_000 }).toBe(1);
  });

  it('the list survives a sign-out and a host restart, and retrying the new ticket files it once', async () => {
    await agent.getByTestId('logout').click();
    await agent.getByTestId('logout-signout').click();
    await agent.getByTestId('login-submit').waitFor();
    await host.stop();
    await agent.getByTestId('host-unreachable').waitFor();
    host = await startHost(dir.path, { port: hostPort, keyring: true, serverUrls: [server.url] });
    await agent.getByTestId('host-unreachable').waitFor({ state: 'detached', timeout: 60_000 });
    await signIn(agent, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
    await untilTicketsSettled(agent);

    await expect.poll(() => agent.getByTestId('not-sent-count').innerText(), { timeout: 30_000 }).toBe('1');
    await agent.getByTestId('not-sent-open').click();
    const item = agent.getByTestId('not-sent-item');
    expect(await item.getAttribute('data-kind')).toBe('ticket.create');
    expect(await item.getByTestId('not-sent-text').innerText()).toBe(movedSubject);
    // A double click queues it once. Its customer stayed in the old department: the list asks for one here.
    await item.getByTestId('not-sent-retry').dblclick();
    await agent.getByTestId('not-sent-customer-dialog').waitFor();
    await agent.getByTestId('not-sent-customer-search').fill(customerOfNewDepartment());
    await agent.getByTestId('not-sent-customer-pick').first().click();
    await agent.getByTestId('not-sent-empty').waitFor();
    expect(await agent.getByTestId('not-sent-error').count()).toBe(0);
    await agent.getByTestId('not-sent-close').click();
    await expect.poll(() => agent.getByTestId('not-sent-open').count()).toBe(0);
    await expect.poll(() => pending(agent), { timeout: 30_000 }).toBe(0);
    await searchTickets(agent, movedSubject);
    await expect.poll(() => agent.getByTestId('ticket-row').count(), { timeout: 20_000 }).toBe(1);
    const db = new Database(join(dir.path, 'server.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM tickets WHERE subject = ?').get(movedSubject)).toEqual({
        n: 1,
      });
    } finally {
      db.close();
    }
  });
});

/** The name of a customer agent01 sees in the department they were moved to (one of its tickets' customers). */
function customerOfNewDepartment(): string {
  const db = new Database(join(dir.path, 'server.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT c.name FROM tickets t JOIN customers c ON c.id = t.customer_id
         WHERE t.department_id = (SELECT department_id FROM users WHERE username = 'agent01')
         ORDER BY t.created_at LIMIT 1`,
      )
      .get() as { name: string };
    return row.name;
  } finally {
    db.close();
  }
}

/** The open not-sent list as <SWITCHBOARD_SCREENS>/not-sent-<lang>.png; the panel is modal, so it closes to switch. */
async function notSentScreenshots(page: Page): Promise<void> {
  const folder = process.env['SWITCHBOARD_SCREENS'];
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  const reopenIn = async (lang: string) => {
    await page.getByTestId('not-sent-close').click();
    await page.getByTestId('not-sent-panel').waitFor({ state: 'hidden' });
    await showIn(page, lang);
    await page.getByTestId('not-sent-open').click();
    await page.getByTestId('not-sent-panel').waitFor();
    // The dialog fades in: a picture taken during the transition shows the page through it.
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  };
  for (const lang of ['en', 'zh-CN']) {
    await reopenIn(lang);
    await page.mouse.move(700, 880);
    await page.screenshot({ path: join(folder, `not-sent-${lang}.png`) });
  }
  await reopenIn('en');
}

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiLogin,
  launchChromium,
  portOf,
  signIn,
  startHost,
  startServer,
  tempDir,
  untilTicketsSettled,
  type Proc,
} from './harness';

/**
 * Triage on the desktop (issue 15, desk), in browser mode with real parts: the desktop keeps the service's
 * model; with the service down, agent01 creates a ticket and it shows a category and the prediction at once
 * (made on this desktop, with the kept model's version); the service comes back and its copy keeps both; a
 * one-click correction of the category shows in the ticket and reaches the server. With SWITCHBOARD_SCREENS set
 * to a folder, the triage section, the Needs-triage view and the accuracy tab are saved there in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
let serverPort: number;

beforeAll(async () => {
  dir = tempDir('sb-triage-desk-');
  server = await startServer(dir.path);
  serverPort = portOf(server.url);
  // A strict threshold: the ticket made offline waits in the triage queue (its Confirm, the Needs-triage view).
  const { accessToken } = await apiLogin(server.url, 'admin');
  const res = await fetch(`${server.url}/api/triage/settings`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ threshold: 0.9, retrainEveryHours: 0 }),
  });
  if (!res.ok) throw new Error(`triage settings: ${res.status} ${await res.text()}`);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

const suffix = String(Date.now()).slice(-6);
const subject = `买的鞋子不合适，能换吗 ${suffix}`;

async function login(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

/** The triage model the host keeps for offline use: in the server's folder of a device's data. */
function keptModel(): boolean {
  const devices = join(dir.path, 'desktop', 'devices');
  if (!existsSync(devices)) return false;
  return readdirSync(devices).some((device) =>
    readdirSync(join(devices, device), { withFileTypes: true }).some(
      (server) => server.isDirectory() && existsSync(join(devices, device, server.name, 'triage-model.json')),
    ),
  );
}

const syncState = (page: Page) => page.getByTestId('sync-status').getAttribute('data-state');
const pending = async (page: Page) => Number(await page.getByTestId('pending-count').innerText());

type ServerTicket = {
  ticket: {
    category: string | null;
    triage: { modelVersion: number; source: string; category: { value: string } } | null;
  };
};
async function serverTicket(id: string): Promise<ServerTicket['ticket']> {
  const { accessToken } = await apiLogin(server.url, 'agent02');
  const res = await fetch(`${server.url}/api/tickets/${id}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!res.ok) throw new Error(`GET ticket: ${res.status}`);
  return ((await res.json()) as ServerTicket).ticket;
}

async function showIn(page: Page, lang: string): Promise<void> {
  if ((await page.getByTestId('lang-switch').getAttribute('data-lang')) === lang) return;
  await page.getByTestId('lang-switch').click();
  await expect.poll(() => page.getByTestId('lang-switch').getAttribute('data-lang')).toBe(lang);
}

/** <SWITCHBOARD_SCREENS>/<name>-<lang>.png in both languages (the element's box when one is named), then English. */
async function screenshots(page: Page, name: string, testId?: string): Promise<void> {
  const folder = process.env['SWITCHBOARD_SCREENS'];
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  for (const lang of ['en', 'zh-CN']) {
    await showIn(page, lang);
    await page.mouse.move(700, 880);
    await page.waitForTimeout(400);
    const target = testId ? page.getByTestId(testId) : page;
    await target.screenshot({ path: join(folder, `${name}-${lang}.png`) });
  }
  await showIn(page, 'en');
}

describe('triage of a ticket created offline on the desktop', () => {
  let agent: Page;
  let ticketId: string;
  let modelVersion: string;

  it('keeps the service’s model once agent01 is signed in', async () => {
    agent = await login('agent01');
    await expect.poll(keptModel, { timeout: 60_000 }).toBe(true);
  });

  it('with the service down: a new ticket shows its category and prediction at once', async () => {
    await server.stop();
    await expect.poll(() => syncState(agent), { timeout: 20_000 }).toBe('offline');

    await agent.keyboard.press('Alt+KeyN');
    await agent.getByTestId('new-ticket-dialog').waitFor();
    await agent.getByTestId('new-ticket-customer').fill('王');
    await agent.getByTestId('new-ticket-customer-option').first().click();
    await agent.getByTestId('new-ticket-subject').fill(subject);
    await agent.keyboard.press('Control+Enter');
    await agent.getByTestId('new-ticket-dialog').waitFor({ state: 'hidden' });

    const detail = agent.getByTestId('ticket-detail');
    await expect.poll(() => detail.getAttribute('data-ticket-id')).toBeTruthy();
    ticketId = (await detail.getAttribute('data-ticket-id'))!;
    expect(await agent.getByTestId('ticket-sync-state').getAttribute('data-state')).toBe('pending');

    const section = agent.getByTestId('triage-section');
    expect(await section.getByTestId('triage-category').getAttribute('data-value')).toBe(
      'Return or exchange',
    );
    expect(await section.getByTestId('triage-department').getAttribute('data-value')).toBe('After-sales');
    const model = await section.getByTestId('triage-model').innerText();
    expect(model).toMatch(/^Model v\d+ · on this desktop$/);
    modelVersion = /v(\d+)/.exec(model)![1]!;
    // Each field with its confidence, and why.
    for (const f of ['department', 'category', 'priority', 'selfService']) {
      expect(await section.getByTestId(`triage-confidence-${f}`).innerText()).toMatch(/^\d+%$/);
    }
    expect(await section.getByTestId('triage-why').innerText()).toMatch(/鞋子|换|合适/);
    // Below the threshold kept with the model: it waits for a person, offline too.
    await section.getByTestId('triage-needs-review').waitFor();
    await section.getByTestId('triage-confirm').waitFor();
    // The Needs-triage view lists it, with its count, and the list's category column has it.
    const view = agent.getByTestId('view-needsTriage');
    await view.click();
    await agent.getByTestId('filter-chip-needs-triage').waitFor();
    const row = agent.locator(`[data-testid="ticket-row"][data-ticket-id="${ticketId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('ticket-row-category').getAttribute('data-category')).toBe(
      'return_exchange',
    );
    await expect
      .poll(async () => Number(await agent.getByTestId('ticket-count').getAttribute('data-total')))
      .toBe(Number(await view.getAttribute('data-count')));
    await row.click();
    await screenshots(agent, 'needs-triage');
  });

  it('the service comes back: the synced ticket keeps its category and the desktop’s prediction', async () => {
    server = await startServer(dir.path, { port: serverPort });
    await expect.poll(() => syncState(agent), { timeout: 60_000 }).toBe('online');
    await expect.poll(() => pending(agent), { timeout: 90_000 }).toBe(0);
    const kept = await serverTicket(ticketId);
    expect(kept.category).toBe('return_exchange');
    expect(kept.triage).toMatchObject({
      source: 'desktop',
      modelVersion: Number(modelVersion),
      category: { value: 'return_exchange' },
    });
  });

  it('a one-click correction shows in the ticket and reaches the server', async () => {
    const section = agent.getByTestId('triage-section');
    // By keyboard: focus the category, open its menu, pick.
    await section.getByTestId('triage-correct-category').focus();
    await agent.keyboard.press('Enter');
    await agent.getByTestId('triage-option-repair_warranty').click();
    await expect
      .poll(() => section.getByTestId('triage-category').getAttribute('data-value'))
      .toBe('Repair and warranty');
    await section.getByTestId('triage-corrected-category').waitFor();
    // A correction ends the review at once, offline or not.
    await section.getByTestId('triage-needs-review').waitFor({ state: 'detached' });
    await expect.poll(() => pending(agent), { timeout: 30_000 }).toBe(0);
    await expect
      .poll(async () => (await serverTicket(ticketId)).category, { timeout: 30_000 })
      .toBe('repair_warranty');
    await screenshots(agent, 'ticket-triage', 'ticket-detail');
  });

  it('shows a supervisor the accuracy per field and model version, with the correction counted', async () => {
    const supervisor = await login('super01');
    await supervisor.getByTestId('nav-reports').click();
    await supervisor.getByTestId('reports-tab-triage').click();
    await supervisor.getByTestId('triage-models').waitFor();
    expect(await supervisor.getByTestId(`triage-model-${modelVersion}`).count()).toBe(1);
    await supervisor.getByTestId('triage-accuracy-chart').waitFor();
    // The one-click correction counts against the version that made the prediction.
    const category = supervisor.getByTestId(`triage-version-${modelVersion}-category`);
    expect(Number(await category.getAttribute('data-corrections'))).toBeGreaterThanOrEqual(1);
    await screenshots(supervisor, 'triage-accuracy');
  });
});

import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  signIn,
  startHost,
  startServer,
  tempDir,
  untilTicketsSettled,
  type Proc,
} from './harness';

/**
 * A ticket transferred from after-sales (售后服务, agent01 王芳) to technical support (技术支持, agent05 刘洋) in
 * the workbench: a reason is required, the ticket leaves agent01's list and appears in agent05's with the
 * reason in its history and a hand-back button, which takes it home again.
 * SWITCHBOARD_SCREENS=<folder> also saves screenshots of the dialog and the received ticket in both languages.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
const screens = process.env['SWITCHBOARD_SCREENS'];

beforeAll(async () => {
  dir = tempDir('sb-transfer-e2e-');
  server = await startServer(dir.path);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

async function login(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`);

async function shoot(page: Page, name: string) {
  if (!screens) return;
  // The switch sits under an open dialog's backdrop: clicked in the page, as a keyboard user's shortcut would.
  const switchLanguage = () => page.getByTestId('lang-switch').evaluate((b) => (b as HTMLElement).click());
  for (const lang of ['en', 'zh']) {
    if (lang === 'zh') await switchLanguage();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screens, `${name}-${lang}.png`) });
  }
  await switchLanguage();
}

describe('transfer between departments', () => {
  let wang: Page;
  let liu: Page;
  let ticketId: string;

  it('asks for a reason, then takes the ticket out of the sender’s list', async () => {
    [wang, liu] = await Promise.all([login('agent01'), login('agent05')]);
    const row = wang
      .locator('[data-testid="ticket-row"]:not([data-status="closed"]):not([data-status="solved"])')
      .first();
    ticketId = (await row.getAttribute('data-ticket-id'))!;
    await row.click();
    await expect.poll(() => wang.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticketId);
    expect(await rowOf(liu, ticketId).count()).toBe(0);

    await wang.getByTestId('ticket-transfer').click();
    await wang.getByTestId('transfer-dialog').waitFor();
    await wang.getByTestId('transfer-department').selectOption({ label: 'Technical support' });
    // Saved without a reason: refused in the dialog, nothing sent.
    await wang.getByTestId('transfer-save').click();
    await expect
      .poll(() => wang.getByTestId('transfer-dialog').innerText())
      .toMatch(/Say why the ticket is transferred/);
    await wang.getByTestId('transfer-reason').fill('路由器升级固件后无法联网，请技术支持排查');
    await wang.getByTestId('transfer-hand-back').check();
    await shoot(wang, 'transfer-dialog');
    await wang.keyboard.press('Control+Enter');
    await wang.getByTestId('transfer-dialog').waitFor({ state: 'detached' });

    await rowOf(wang, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('arrives in the receiver’s list with the reason, and goes home with a hand-back', async () => {
    await rowOf(liu, ticketId).waitFor({ timeout: 30_000 });
    await rowOf(liu, ticketId).click();
    await expect.poll(() => liu.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticketId);
    await expect
      .poll(() => liu.getByTestId('history-note').allInnerTexts())
      .toContain('路由器升级固件后无法联网，请技术支持排查');
    const handBack = liu.getByTestId('ticket-hand-back');
    expect(await handBack.innerText()).toMatch(/Hand back to After-sales/);
    await shoot(liu, 'transfer-received');

    await handBack.click();
    await liu.getByTestId('transfer-dialog').waitFor();
    expect(await liu.getByTestId('transfer-department').isDisabled()).toBe(true);
    await liu.getByTestId('transfer-reason').fill('Firmware rolled back; the line works again.');
    await liu.getByTestId('transfer-save').click();
    await rowOf(liu, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
    await rowOf(wang, ticketId).waitFor({ timeout: 30_000 });
  });
});

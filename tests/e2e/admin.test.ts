import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Role } from '../../src/shared';
import { launchChromium, signIn, startHost, startServer, tempDir, type Proc } from './harness';

/**
 * The admin screen end to end: the real service with the demo data, the browser-mode host serving the built
 * renderer, Chromium. An administrator creates a user there; the user signs in on the same desktop.
 * SWITCHBOARD_SCREENS=<folder> also saves screenshots of the Users and SLA tabs in English and Chinese.
 */
let dir: ReturnType<typeof tempDir>;
let server: Proc;
let host: Proc;
let browser: Browser;
const screens = process.env['SWITCHBOARD_SCREENS'];

beforeAll(async () => {
  dir = tempDir('sb-e2e-admin-');
  server = await startServer(dir.path);
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium();
  if (screens) mkdirSync(screens, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  dir?.remove();
});

async function open(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
  return context.newPage();
}

async function signOut(page: Page) {
  await page.getByTestId('logout').click();
  await page.getByTestId('logout-signout').click();
  await page.getByTestId('login-submit').waitFor();
}

async function shoot(page: Page, name: string) {
  if (!screens) return;
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(screens, `${name}.png`) });
}

describe('admin screen', () => {
  it('is not offered to an agent', async () => {
    const page = await open();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
    await page.getByTestId('nav-customers').waitFor();
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await signOut(page);
    await page.context().close();
  });

  it('an admin creates a user who can then sign in', async () => {
    const page = await open();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'admin');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-users').waitFor();
    expect(await page.getByTestId('admin-user-row').count()).toBeGreaterThan(10);

    await page.getByTestId('admin-user-new').click();
    await page.getByTestId('admin-user-dialog').waitFor();
    // Every role the server knows, and only those.
    const roles = await page
      .getByTestId('admin-user-role')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(roles).toEqual([...Role.options]);
    await page.getByTestId('admin-user-username').fill('Zhao.Min');
    await page.getByTestId('admin-user-display-name').fill('赵敏');
    await page.getByTestId('admin-user-role').selectOption('agent');
    await page.getByTestId('admin-user-department').selectOption({ label: 'Technical support' });
    // Too short first: the dialog stays open and says what the password needs, under the field.
    await page.getByTestId('admin-user-password-input').fill('short');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('admin-user-dialog').innerText())
      .toContain('A password needs at least 8 characters.');
    await page.getByTestId('admin-user-password-input').fill('zhao-min-2026');
    await page.getByTestId('admin-user-save').click();
    await page.getByTestId('admin-user-dialog').waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="admin-user-row"][data-username="zhao.min"]');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/赵敏[\s\S]*Agent[\s\S]*Technical support[\s\S]*Active/);
    // A name that is taken is refused in the dialog, with what to do.
    await page.getByTestId('admin-user-new').click();
    await page.getByTestId('admin-user-username').fill('zhao.min');
    await page.getByTestId('admin-user-display-name').fill('Someone else');
    await page.getByTestId('admin-user-password-input').fill('another-pass-1');
    await page.getByTestId('admin-user-save').click();
    await expect
      .poll(() => page.getByTestId('admin-user-dialog').innerText())
      .toContain('This user name is taken.');
    await page.getByTestId('admin-user-cancel').click();
    await page.getByTestId('admin-user-dialog').waitFor({ state: 'detached' });

    if (screens) await screenshots(page);
    await signOut(page);

    await page.getByTestId('login-server').fill(server.url);
    await page.getByTestId('login-username').fill('zhao.min');
    await page.getByTestId('login-password').fill('zhao-min-2026');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('workbench').waitFor();
    expect(await page.getByTestId('current-user').innerText()).toBe('赵敏');
    expect(await page.getByTestId('current-department').innerText()).toBe('Technical support');
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.context().close();
  });

  it('rights set on the Permissions tab take the controls away from an agent', async () => {
    const page = await open();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'admin');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-permissions').click();
    await page.getByTestId('admin-permissions').waitFor();
    for (const right of ['changePriority', 'transfer', 'seeInternalNotes'])
      await page.getByTestId(`admin-permission-agent-${right}`).uncheck();
    await page.getByTestId('admin-permissions-save').click();
    await expect.poll(() => page.getByText('Saved').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    if (screens) await shoot(page, 'admin-permissions-en');
    await signOut(page);

    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent01');
    const row = page.locator('[data-testid="ticket-row"]:not([data-status="closed"])').first();
    await row.click();
    await page.getByTestId('ticket-detail').waitFor();
    await page.getByTestId('comment-input').waitFor();
    // Absent, not disabled: the priority shows as text, and there is no transfer or internal-note control.
    await page.getByTestId('ticket-priority-text').waitFor();
    expect(await page.getByTestId('ticket-priority').count()).toBe(0);
    expect(await page.getByTestId('ticket-transfer').count()).toBe(0);
    expect(await page.getByTestId('comment-internal').count()).toBe(0);
    // What the role may still do is there.
    expect(await page.getByTestId('ticket-status').count()).toBe(1);
    await page.context().close();
  });

  it('verifies the audit trail from the Audit tab: every record, checkpoint and anchor intact', async () => {
    const page = await open();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'admin');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-audit').click();
    await page.getByTestId('audit-panel').waitFor();
    await page.getByTestId('audit-verify').click();
    const ok = page.getByTestId('audit-verify-ok');
    await ok.waitFor({ timeout: 30_000 });
    expect(await ok.innerText()).toMatch(/Intact: [\d,]+ records?/);
    if (screens) {
      await shoot(page, 'admin-audit-en');
      await page.getByTestId('lang-switch').click();
      await page.getByTestId('audit-verify').click();
      await page.getByTestId('audit-verify-ok').waitFor();
      await shoot(page, 'admin-audit-zh');
      await page.getByTestId('lang-switch').click();
    }
    await page.context().close();
  });
});

/** Users and SLA tabs (the demo's policies) in English and Chinese, light theme. */
async function screenshots(page: Page) {
  await page.getByTestId('admin-tab-departments').click();
  await page.getByTestId('admin-tab-users').click();
  await page.getByTestId('admin-users').waitFor();
  for (const lang of ['en', 'zh']) {
    await shoot(page, `admin-users-${lang}`);
    await page.getByTestId('admin-tab-sla').click();
    await page.getByTestId('admin-sla-row').first().waitFor();
    await shoot(page, `admin-sla-${lang}`);
    await page.getByTestId('admin-sla-row').first().getByRole('button').first().click();
    await page.getByTestId('admin-sla-dialog').waitFor();
    await shoot(page, `admin-sla-dialog-${lang}`);
    await page.keyboard.press('Escape');
    await page.getByTestId('admin-sla-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('admin-tab-queues').click();
    await page.getByTestId('admin-queues').waitFor();
    await shoot(page, `admin-queues-${lang}`);
    await page.getByTestId('admin-tab-departments').click();
    await page.getByTestId('admin-departments').waitFor();
    await shoot(page, `admin-departments-${lang}`);
    await page.getByTestId('admin-tab-customFields').click();
    await page.getByTestId('admin-field-new').click();
    await page.getByTestId('admin-field-type').selectOption('singleChoice');
    await shoot(page, `admin-field-dialog-${lang}`);
    await page.keyboard.press('Escape');
    await page.getByTestId('admin-field-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('admin-tab-workflow').click();
    await page.getByTestId('admin-workflow-days').waitFor();
    await shoot(page, `admin-workflow-${lang}`);
    await page.getByTestId('admin-tab-users').click();
    await page.getByTestId('admin-user-new').click();
    await page.getByTestId('admin-user-dialog').waitFor();
    await shoot(page, `admin-user-dialog-${lang}`);
    await page.keyboard.press('Escape');
    await page.getByTestId('admin-user-dialog').waitFor({ state: 'detached' });
    if (lang === 'en') await page.getByTestId('lang-switch').click();
  }
  await page.getByTestId('lang-switch').click();
}

// Screenshots of every workbench screen, in zh-CN and en, light and dark, for reviewing UI changes:
//   npm start   (in another terminal), then: npx tsx scripts/screenshots.ts [hostUrl] [serverUrl]
// Writes PNGs to screenshots/ (ignored by git).
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { kamailioUsers } from '../src/server/pbx/kamailio';
import { CALL_FLAGS } from '../tests/netns/run-in-netns';
import { fixtureState, openFixturePhone, serveFixture, until } from '../tests/softphone/fixture-server';

const hostUrl = process.argv[2] ?? 'http://127.0.0.1:4100';
const serverUrl = process.argv[3] ?? 'http://127.0.0.1:4000';
mkdirSync('screenshots', { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-sync',
    ...CALL_FLAGS,
  ],
});

// The phone screens need a caller: a demo customer of agent01's department with open tickets, calling from a
// JsSIP phone in another page through the Kamailio `npm start` runs (JSON-RPC on 8089, ws on 8088).
const db = new Database(process.env['SWITCHBOARD_DB'] ?? '.data/server.sqlite', { readonly: true });
const caller = db
  .prepare(
    `SELECT c.name, c.phone FROM customers c JOIN tickets t ON t.customer_id = c.id
      JOIN users u ON u.department_id = t.department_id AND u.username = 'agent01'
     WHERE t.status IN ('new', 'open', 'pending') AND c.phone LIKE '+861%'
     GROUP BY c.id ORDER BY COUNT(t.id) DESC LIMIT 1`,
  )
  .get() as { name: string; phone: string };
db.close();
const callerUser = caller.phone.replace(/^\+86/, '');
await kamailioUsers('http://127.0.0.1:8089/RPC', '127.0.0.1').setSipUser(callerUser, 'screenshot-caller');
const fixture = await serveFixture(join(mkdtempSync(join(tmpdir(), 'sb-shots-')), 'www'));

async function callerPage(b: Browser): Promise<Page> {
  const page = await (await b.newContext()).newPage();
  await openFixturePhone(page, fixture.url, {
    wsUrl: 'ws://127.0.0.1:8088',
    sipUri: `sip:${callerUser}@127.0.0.1`,
    password: 'screenshot-caller',
    displayName: caller.name,
  });
  await until(
    'caller registered',
    () => fixtureState(page),
    (x) => x.registration.status === 'registered',
  );
  return page;
}

/** Phone screens: agent state menu, audio settings, a queue call ringing with its pop, talking, wrap-up. */
async function phoneScreens(page: Page, tag: string) {
  await page.locator('[data-testid="phone-status"][data-state="registered"]').waitFor({ timeout: 20_000 });
  await page.getByTestId('agent-state').click();
  await shoot(page, `${tag}-agent-state-menu`);
  await page.getByTestId('agent-state-Available').click();
  await page.locator('[data-testid="agent-state"][data-state="Available"]').waitFor();
  await page.getByTestId('audio-open').click();
  await page.waitForTimeout(1200);
  await shoot(page, `${tag}-audio-settings`);
  await page.keyboard.press('Escape');
  const customer = await callerPage(browser);
  await customer.evaluate(() =>
    (window as unknown as { phone: { call(t: string): void } }).phone.call('8001'),
  );
  await page.locator('[data-testid="call-panel"][data-call-state="ringing"]').waitFor({ timeout: 15_000 });
  await shoot(page, `${tag}-call-ringing`);
  await page.keyboard.press('Alt+KeyA');
  await page.locator('[data-testid="call-panel"][data-call-state="active"]').waitFor({ timeout: 15_000 });
  await page.waitForTimeout(2200);
  await shoot(page, `${tag}-call-active`);
  await page.getByTestId('call-hold').click();
  await page.locator('[data-testid="call-panel"][data-call-state="held"]').waitFor();
  await page.getByTestId('call-resume').click();
  await page.getByTestId('call-hangup').click();
  await page.getByTestId('wrap-up').waitFor();
  await page
    .getByTestId('wrap-up-notes')
    .fill(
      tag.startsWith('zh')
        ? '客户询问退款进度，已告知三个工作日内到账'
        : 'Asked about the refund; told 3 working days',
    );
  await shoot(page, `${tag}-wrap-up`);
  await page.getByTestId('wrap-up-done').click();
  await page.getByTestId('wrap-up').waitFor({ state: 'detached' });
  await page.getByTestId('agent-state').click();
  await page.getByTestId('agent-state-Offline').click();
  await customer.context().close();
}

async function shoot(page: Page, name: string) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `screenshots/${name}.png` });
  console.log(`screenshots/${name}.png`);
}

for (const [locale, theme] of [
  ['zh-CN', 'light'],
  ['en-US', 'dark'],
  ['en-US', 'light'],
  ['zh-CN', 'dark'],
] as const) {
  const tag = `${locale}-${theme}`;
  const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(hostUrl);
  await page.getByTestId('login-server').fill(serverUrl);
  await page.getByTestId('login-username').fill('agent01');
  await shoot(page, `${tag}-login`);
  await page.getByTestId('login-password').fill('wrong');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  await shoot(page, `${tag}-login-error`);
  await page.getByTestId('login-password').fill('switchboard');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('workbench').waitFor();
  if ((await page.locator('html').getAttribute('data-theme')) !== theme) {
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if ((theme === 'dark') !== /rgb\((\d|[1-5]\d),/.test(dark))
      await page.getByTestId('theme-switch').click();
  }
  await page.getByTestId('ticket-row').first().waitFor();
  await shoot(page, `${tag}-tickets`);
  await page.keyboard.press('Shift+Slash');
  await page.getByTestId('shortcuts-dialog').waitFor();
  await shoot(page, `${tag}-shortcuts`);
  await page.keyboard.press('Escape');
  await page.getByTestId('shortcuts-dialog').waitFor({ state: 'detached' });
  await phoneScreens(page, tag);
  await page.getByTestId('ticket-search').fill(locale === 'zh-CN' ? '退款' : 'refund');
  await page.waitForTimeout(800);
  await page.getByTestId('ticket-row').first().click();
  await page.getByTestId('ticket-detail').waitFor();
  await shoot(page, `${tag}-ticket-detail`);
  await page.getByTestId('open-customer').click();
  await page.getByTestId('customer-detail').waitFor();
  await shoot(page, `${tag}-customer`);
  await page.getByTestId('nav-customers').click();
  await page.getByTestId('customer-search').fill(locale === 'zh-CN' ? '王' : 'smith');
  await page.getByTestId('customer-row').first().waitFor();
  await shoot(page, `${tag}-customers`);
  await context.close();
}
await browser.close();
await fixture.close();

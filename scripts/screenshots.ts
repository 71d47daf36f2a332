// Screenshots of every workbench screen, in zh-CN and en, light and dark, for reviewing UI changes:
//   npm start   (in another terminal), then: npx tsx scripts/screenshots.ts [hostUrl] [serverUrl]
// Writes PNGs to screenshots/ (ignored by git).
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';

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
  ],
});

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

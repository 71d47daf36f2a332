// Screenshots of the VOC tab (issue 14) in en and zh-CN, light theme, over a real server and desktop host:
//   npx vite build -c tests/harness/voc/vite.config.ts && npx tsx tests/harness/voc/screenshots.ts [outDir]
// The server's database is the demo data set plus a planted topic (a swollen battery, 电池鼓包) in After-sales
// in the last 7 days, so the tab has something rising to show.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { migrateToLatest } from '../../../src/server/db/migrate';
import { openDatabase } from '../../../src/server/db/open';
import { seedDemo } from '../../../src/server/demo/seed-demo';
import { insertTicket, nextTicketNumber } from '../../../src/server/tickets/ticket-store';

const out = resolve(process.argv[2] ?? '/work/screens-14/voc');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'sb-voc-shots-'));
const dbPath = join(dir, 'server.sqlite');
const SERVER = 4311;
const HOST = 4411;

const db = openDatabase(dbPath);
await migrateToLatest(db);
await seedDemo(db, { tickets: 3000, customers: 400 });
const dept = await db
  .selectFrom('departments')
  .select('id')
  .where('code', '=', 'aftersales')
  .executeTakeFirstOrThrow();
const customer = await db.selectFrom('customers').select('id').limit(1).executeTakeFirstOrThrow();
const DAY = 86_400_000;
const planted: [string, string][] = [
  [
    'Battery swollen after the update',
    'The battery is swollen and the back cover lifts. Really disappointed.',
  ],
  ['手机电池鼓包', '电池鼓包，后盖翘起来了，很担心安全问题。'],
  ['eSIM activation failed', 'Scanning the eSIM QR code fails with an error, terrible experience.'],
  ['eSIM 激活失败', '新手机 eSIM 激活失败，扫码后一直提示错误。'],
];
for (let i = 0; i < 48; i++) {
  const [subject, description] = planted[i % planted.length]!;
  const at = new Date(Date.now() - (i % 6) * DAY - 3600_000).toISOString();
  await insertTicket(db, {
    id: randomUUID(),
    number: await nextTicketNumber(db),
    departmentId: dept.id,
    customerId: customer.id,
    subject,
    description,
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    handBackTo: null,
    channel: 'phone',
    tags: [],
    fields: {},
    parentId: null,
    relatedIds: [],
    mergedInto: null,
    createdAt: at,
    updatedAt: at,
  });
}
await db.destroy();

const children: ChildProcess[] = [];
const start = (script: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let seen = '';
    const look = (b: Buffer) => {
      seen += b.toString();
      if (ready.test(seen)) ok();
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => fail(new Error(`${script} exited ${code}: ${seen}`)));
  });
try {
  await start(
    'src/server/cli.ts',
    ['--port', String(SERVER), '--db', dbPath, '--seed', 'none'],
    { SWITCHBOARD_JWT_SECRET: 'voc-screens-secret-voc-screens-secret' },
    /listening|Listening|4311/,
  );
  await start(
    'src/main/host/cli.ts',
    ['--port', String(HOST), '--data', join(dir, 'desktop'), '--renderer', resolve('out/voc-harness')],
    { SWITCHBOARD_SERVER_URLS: `http://127.0.0.1:${SERVER}` },
    /4411/,
  );
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  for (const lang of ['en', 'zh-CN']) {
    for (const user of ['super01', 'admin']) {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
      page.on('console', (m) => console.log(`[page] ${m.text()}`));
      page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
      await page.goto(
        `http://127.0.0.1:${HOST}/?lang=${lang}&user=${user}&server=http://127.0.0.1:${SERVER}`,
      );
      await page
        .getByTestId('voc-contacts-count')
        .waitFor({ timeout: 60_000 })
        .catch(async (e: unknown) => {
          await page.screenshot({ path: join(out, `failed-${user}-${lang}.png`) });
          throw e;
        });
      await page.getByTestId('voc-rising').waitFor({ timeout: 30_000 });
      // Keyboard: focus the first rising topic and press Enter to list its tickets.
      const first = page.getByTestId('voc-rising').locator('tbody tr').first();
      await first.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('voc-topic-contacts').locator('.MuiListItemButton-root').first().waitFor();
      await page.screenshot({ path: join(out, `voc-${user}-${lang}.png`), fullPage: true });
      console.log(`wrote ${join(out, `voc-${user}-${lang}.png`)}`);
      await page.close();
    }
  }
  await browser.close();
} finally {
  for (const c of children) c.kill('SIGTERM');
}

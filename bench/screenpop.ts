/**
 * Screen pop benchmark: INVITE received by the agent's softphone -> the caller's pop painted in the
 * workbench, with 200,000 customers and 1,000,000 tickets in the agent's local replica.
 *
 * Everything real: Kamailio, the central service (demo data), the browser-mode desktop host and the
 * workbench in Chromium, signed in as agent01 with the phone registered. After the initial sync the replica
 * is grown to the benchmark size through the store module, then callers (SIP accounts named after the
 * customers' national numbers) call agent01's extension one after another; the agent declines each call
 * once its pop is on screen. The time is read from the page's own performance marks: `switchboard:invite`
 * (the engine got the INVITE) and the next `switchboard:screenpop-rendered` (the frame the pop is painted
 * in). `npm run bench:screenpop` (BENCH_CUSTOMERS / BENCH_TICKETS / BENCH_CALLS to scale down).
 * Needs Debian's kamailio, kamailio-websocket-modules, kamailio-utils-modules and chromium.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startHost } from '../src/main/host/server';
import { openStore } from '../src/main/store';
import { startServer } from '../src/server/app';
import { freeTcpPort, startKamailio } from '../src/server/pbx';
import { apiLogin, launchChromium } from '../tests/e2e/harness';
import { invite, SipEndpoint } from '../tests/pbx/sip-client';
import { fillReplica, int, phoneOf } from './replica-data';

const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 200_000);
const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 1_000_000);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 200);
const targets = { popP95Ms: 100 };
const AGENT = 'agent01';
const EXTENSION = '1001';
/** Kamailio proves itself to the service with this on routing requests. */
const PBX_SECRET = randomBytes(24).toString('base64url');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-pop-'));
const cleanup: (() => Promise<unknown>)[] = [];
try {
  const port = await freeTcpPort();
  const pbx = await startKamailio({
    runDir: join(dir, 'pbx'),
    routingUrl: `http://127.0.0.1:${port}/api/voice/route`,
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 128,
    children: 2,
  });
  cleanup.push(() => pbx.stop());
  const server = await startServer({
    port,
    dbPath: join(dir, 'server.sqlite'),
    seed: 'demo',
    pbx,
    pbxSecret: PBX_SECRET,
    log: () => {},
  });
  cleanup.push(() => server.close());
  const host = await startHost({
    port: 0,
    dataDir: join(dir, 'desktop'),
    serverUrls: [server.url],
    log: () => {},
  });
  cleanup.push(() => host.close());
  const browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ]);
  cleanup.push(() => browser.close());

  const page = await (
    await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } })
  ).newPage();
  await page.goto(host.url);
  await page.getByTestId('login-server').fill(server.url);
  await page.getByTestId('login-username').fill(AGENT);
  await page.getByTestId('login-password').fill('switchboard');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('workbench').waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-state') === 'online',
    null,
    { timeout: 120_000 },
  );
  await page.waitForFunction(
    () => document.querySelector('[data-testid="phone-status"]')?.getAttribute('data-state') === 'registered',
    null,
    { timeout: 30_000 },
  );

  // Grow agent01's replica to the benchmark size, in the agent's department (the pop shows in-scope tickets).
  const agent = await apiLogin(server.url, AGENT);
  // Browser mode keeps one replica per device (the browser's id) under devices/: find agent01's.
  const replica = readdirSync(join(dir, 'desktop'), { recursive: true, encoding: 'utf8' }).find((f) =>
    f.endsWith(`${agent.user.id}.sqlite`),
  );
  if (!replica) throw new Error(`no replica of ${AGENT} under ${join(dir, 'desktop')}`);
  const store = openStore(join(dir, 'desktop', replica));
  console.log(
    `Growing ${AGENT}'s replica by ${CUSTOMERS.toLocaleString('en')} customers and ${TICKETS.toLocaleString('en')} tickets`,
  );
  try {
    fillReplica(store, {
      customers: CUSTOMERS,
      tickets: TICKETS,
      departmentIds: [agent.user.departmentId!],
    });
  } finally {
    store.close();
  }

  // Callers: random benchmark customers, each calling from their own number.
  const callers = Array.from({ length: CALLS }, () => phoneOf(int(CUSTOMERS)).replace(/^\+86/, ''));
  for (const user of new Set(callers)) await pbx.setSipUser(user, `caller-${user}`);
  const ep = await SipEndpoint.udp(pbx.sipPort);
  cleanup.push(() => ep.close());

  const t0 = performance.now();
  let unknown = 0;
  for (const [i, user] of callers.entries()) {
    const call = await invite(
      ep,
      { user, password: `caller-${user}`, domain: pbx.domain, server: `127.0.0.1:${pbx.sipPort}` },
      EXTENSION,
    );
    // The pop of this caller is painted: its number shows and the pop says whether the caller is known.
    const handle = await page.waitForFunction(
      (n) => {
        const panel = document.querySelector('[data-testid="call-panel"]');
        const pop = document.querySelector('[data-testid="screen-pop"]');
        const number = document.querySelector('[data-testid="call-number"]')?.textContent ?? '';
        return panel?.getAttribute('data-call-state') === 'ringing' &&
          pop &&
          number.replace(/\D/g, '').endsWith(n)
          ? pop.getAttribute('data-known')
          : null;
      },
      user,
      { timeout: 10_000, polling: 5 },
    );
    if ((await handle.jsonValue()) !== 'yes') unknown++;
    await page.getByTestId('call-decline').click();
    const final = await call.final;
    if (final.status !== 486)
      throw new Error(`call ${i}: expected 486 after the decline, got ${final.status}`);
  }
  const seconds = (performance.now() - t0) / 1000;

  // Per call: INVITE -> lookup asked -> answered -> painted (marks of the engine, useScreenPop, ScreenPopView).
  const steps = await page.evaluate(() => {
    const marks = performance.getEntriesByType('mark');
    const out: { total: number; ask: number; answer: number; paint: number }[] = [];
    for (const [i, m] of marks.entries()) {
      if (m.name !== 'switchboard:invite') continue;
      const rest = marks.slice(i + 1);
      const next = rest.findIndex((x) => x.name === 'switchboard:invite');
      const mine = next < 0 ? rest : rest.slice(0, next);
      // No named helper here: the bundler would wrap it in a function the page does not have.
      const asked = mine.find((x) => x.name === 'switchboard:screenpop-asked')?.startTime;
      const answered = mine.find((x) => x.name === 'switchboard:screenpop-answered')?.startTime;
      const painted = mine.find((x) => x.name === 'switchboard:screenpop-rendered')?.startTime;
      if (asked === undefined || answered === undefined || painted === undefined) continue;
      out.push({
        total: painted - m.startTime,
        ask: asked - m.startTime,
        answer: answered - asked,
        paint: painted - answered,
      });
    }
    return out;
  });
  const times = steps.map((s) => s.total);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `median split: INVITE -> lookup asked ${median(steps.map((s) => s.ask)).toFixed(1)} ms, ` +
      `lookup answered ${median(steps.map((s) => s.answer)).toFixed(1)} ms, painted ${median(steps.map((s) => s.paint)).toFixed(1)} ms`,
  );
  if (times.length !== CALLS) throw new Error(`expected ${CALLS} pops, measured ${times.length}`);
  if (unknown > 0) throw new Error(`${unknown} pops did not find their caller`);
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  console.log(
    `${CALLS} calls in ${seconds.toFixed(1)} s; INVITE -> pop painted: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`,
  );
  const metrics = {
    customers: CUSTOMERS,
    tickets: TICKETS,
    calls: CALLS,
    popP50Ms: Number(p50.toFixed(1)),
    popP95Ms: Number(p95.toFixed(1)),
  };
  const pass = p95 <= targets.popP95Ms;
  console.log(JSON.stringify({ bench: 'screenpop', metrics, targets, pass }));
  process.exitCode = pass ? 0 : 1;
} finally {
  for (const stop of cleanup.reverse()) await stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

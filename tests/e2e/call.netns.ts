// A customer calls the after-sales queue and an agent takes the call in the desktop (browser mode), inside
// the loopback-only namespace call.test.ts makes. Everything is real: Kamailio started here, the central
// service and the desktop host as their CLIs, the desktop UI in Chromium, the customer's JsSIP phone in a
// second Chromium page (the softphone test page).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, startKamailio, type RunningKamailio } from '../../src/server/pbx';
import { assertInNetns, CALL_FLAGS } from '../netns/run-in-netns';
import {
  fixtureState,
  fixtureStats,
  openFixturePhone,
  serveFixture,
  until,
  type FixtureServer,
} from '../softphone/fixture-server';
import {
  apiLogin,
  launchChromium,
  signIn,
  startHost,
  startProcess,
  tempDir,
  untilOnline,
  type Proc,
} from './harness';

let dir: ReturnType<typeof tempDir>;
let pbx: RunningKamailio;
let pbxPorts: { sipPort: number; wsPort: number; rpcPort: number };
let routingUrl: string;
let server: Proc;
let host: Proc;
let fixture: FixtureServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** The caller: a demo customer of agent01's department with open tickets, calling from their own number. */
let caller: { id: string; name: string; digits: string; openTickets: number; queue: string };
const CALLER_PASSWORD = 'customer-gateway-secret';
/** The PBX proves itself to the service with this (the PBX endpoints never answer without one). */
const PBX_SECRET = 'e2e-call-pbx-secret-e2e-call-pbx-secret';

function serverDb(): Database.Database {
  return new Database(join(dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
}

async function startPbx(ports?: typeof pbxPorts): Promise<void> {
  pbx = await startKamailio({
    runDir: join(dir.path, 'pbx'),
    ...ports,
    routingUrl,
    serviceSecret: PBX_SECRET,
    sharedMemoryMb: 64,
    children: 2,
  });
  pbxPorts = { sipPort: pbx.sipPort, wsPort: pbx.wsPort, rpcPort: Number(new URL(pbx.rpcUrl).port) };
  // The customer's side is a gateway account of its own (the service only manages agents' accounts).
  if (caller.digits) await pbx.setSipUser(caller.digits, CALLER_PASSWORD);
}

/** Collect every RTCPeerConnection the page makes, so the test can read the desktop's call media. */
async function instrument(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as {
      __pcs: RTCPeerConnection[];
      RTCPeerConnection: typeof RTCPeerConnection;
    };
    w.__pcs = [];
    const Original = w.RTCPeerConnection;
    w.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__pcs.push(this);
      }
    };
  });
}

/** connectionState and audio bytes of the page's newest peer connection. */
function desktopMedia(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs[pcs.length - 1];
    if (!pc) return null;
    let received = 0;
    let sent = 0;
    (await pc.getStats()).forEach(
      (s: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number }) => {
        if (s.kind !== 'audio') return;
        if (s.type === 'inbound-rtp') received += s.bytesReceived ?? 0;
        if (s.type === 'outbound-rtp') sent += s.bytesSent ?? 0;
      },
    );
    return { state: pc.connectionState, received, sent };
  });
}

async function expectDesktopAudio(page: Page): Promise<void> {
  const first = await until(
    'desktop call connected with audio',
    () => desktopMedia(page),
    (m) => m !== null && m.state === 'connected' && m.received > 0 && m.sent > 0,
    15_000,
  );
  // Still flowing, not a one-off.
  await until(
    'desktop audio keeps flowing',
    () => desktopMedia(page),
    (m) => (m?.received ?? 0) > (first?.received ?? 0) + 1000,
  );
}

async function expectCallerAudio(page: Page): Promise<void> {
  await until(
    'caller connected with audio both ways',
    () => fixtureStats(page),
    (s) =>
      s !== null && s.connectionState === 'connected' && s.audioBytesReceived > 0 && s.audioBytesSent > 0,
    15_000,
  );
}

async function desktop(username: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  await instrument(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${username}]`, e));
  await signIn(page, { hostUrl: host.url, serverUrl: server.url }, username);
  await untilOnline(page);
  return page;
}

const phoneState = (page: Page) => page.getByTestId('phone-status').getAttribute('data-state');
const agentState = (page: Page) => page.getByTestId('agent-state').getAttribute('data-state');

async function becomeAvailable(page: Page): Promise<void> {
  await page.getByTestId('agent-state').click();
  await page.getByTestId('agent-state-Available').click();
  await expect.poll(() => agentState(page)).toBe('Available');
}

async function callerPhone(who: { digits: string; name: string } = caller): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[caller]', e));
  await openFixturePhone(page, fixture.url, {
    wsUrl: pbx.wsUrl,
    sipUri: `sip:${who.digits}@${pbx.domain}`,
    password: CALLER_PASSWORD,
    displayName: who.name,
    iceGatheringTimeoutMs: 500,
  });
  await until(
    'caller registered',
    () => fixtureState(page),
    (s) => s.registration.status === 'registered',
  );
  return page;
}

/** The caller's phone dials the department's queue. */
async function callQueue(phone: Page): Promise<void> {
  await phone.evaluate(
    (q) => (window as unknown as { phone: { call(t: string): void } }).phone.call(q),
    caller.queue,
  );
}

async function callQueueToRingAt(phone: Page, agent: Page): Promise<void> {
  await callQueue(phone);
  await expect
    .poll(() => agent.getByTestId('call-panel').getAttribute('data-call-state'), { timeout: 15_000 })
    .toBe('ringing');
}

beforeAll(async () => {
  assertInNetns('tests/e2e/call.test.ts');
  dir = tempDir('sb-e2e-call-');
  fixture = await serveFixture(join(dir.path, 'www'));
  // Kamailio needs the routing address at start, the service the PBX at start: fix the service's port first.
  const port = await freeTcpPort();
  routingUrl = `http://127.0.0.1:${port}/api/voice/route`;
  // The caller is chosen from the demo data the service seeds at its start, so the PBX starts without the
  // caller's account and gets it once the service is up.
  caller = { id: '', name: '', digits: '', openTickets: 0, queue: '' };
  await startPbx();
  server = await startProcess(
    'src/server/cli.ts',
    [
      '--port',
      String(port),
      '--db',
      join(dir.path, 'server.sqlite'),
      '--seed',
      'demo',
      '--pbx-rpc',
      pbx.rpcUrl,
      '--pbx-ws',
      pbx.wsUrl,
      '--pbx-domain',
      pbx.domain,
    ],
    /listening on/,
    { SWITCHBOARD_PBX_SECRET: PBX_SECRET },
  );
  host = await startHost(dir.path, { serverUrls: [server.url] });
  browser = await launchChromium(CALL_FLAGS);

  const agent01 = await apiLogin(server.url, 'agent01');
  const db = serverDb();
  try {
    const row = db
      .prepare(
        `SELECT c.id, c.name, c.phone, COUNT(t.id) AS open FROM customers c
           JOIN tickets t ON t.customer_id = c.id
          WHERE t.department_id = ? AND t.status IN ('new', 'open', 'pending') AND c.phone LIKE '+861%'
          GROUP BY c.id ORDER BY open DESC, c.id LIMIT 1`,
      )
      .get(agent01.user.departmentId) as { id: string; name: string; phone: string; open: number };
    const queue = db
      .prepare('SELECT number FROM queues WHERE department_id = ? ORDER BY number LIMIT 1')
      .get(agent01.user.departmentId) as { number: string };
    caller = {
      id: row.id,
      name: row.name,
      digits: row.phone.replace(/^\+86/, ''),
      openTickets: row.open,
      queue: queue.number,
    };
  } finally {
    db.close();
  }
  await pbx.setSipUser(caller.digits, CALLER_PASSWORD);
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await host?.stop();
  await server?.stop();
  await pbx?.stop();
  await fixture?.close();
  dir?.remove();
});

describe.sequential('a customer calls the queue and the agent takes it in the desktop', () => {
  let a1: Page;
  let a2: Page;
  let customer: Page;

  it('a SIP password the PBX does not accept is refused and the agent is told why', async () => {
    // The PBX and the service disagree about agent03's password (e.g. changed on the PBX by hand).
    await pbx.setSipUser('1003', 'a-password-the-service-never-issued');
    const a3 = await desktop('agent03');
    await expect.poll(() => phoneState(a3), { timeout: 15_000 }).toBe('failed');
    expect(await a3.getByTestId('phone-status').getAttribute('data-reason')).toBe('wrong_credentials');
    await a3.getByTestId('phone-status').hover();
    await expect.poll(() => a3.getByRole('tooltip').innerText()).toMatch(/refused your SIP password/);
    await a3.context().close();
  });

  it('agents sign in, their phones register and they become Available', async () => {
    a1 = await desktop('agent01');
    a2 = await desktop('agent02');
    for (const page of [a1, a2]) {
      await expect.poll(() => phoneState(page), { timeout: 15_000 }).toBe('registered');
      expect(await agentState(page)).toBe('Offline');
    }
    // Audio devices: the microphone level moves (Chromium's fake microphone beeps), and the chosen
    // microphone is remembered for this agent after a reload.
    await a1.getByTestId('audio-open').click();
    await expect
      .poll(async () => Number(await a1.getByTestId('mic-level').getAttribute('aria-valuenow')), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    const mic = a1.getByTestId('device-microphone');
    const choice = await mic.locator('option').last().getAttribute('value');
    expect(choice).toBeTruthy();
    await mic.selectOption(choice!);
    await a1.keyboard.press('Escape');
    await a1.reload();
    await expect.poll(() => phoneState(a1), { timeout: 15_000 }).toBe('registered');
    await a1.getByTestId('audio-open').click();
    await expect.poll(() => a1.getByTestId('device-microphone').inputValue()).toBe(choice);
    await a1.keyboard.press('Escape');

    // agent01 first: the longest idle agent takes the next call.
    await becomeAvailable(a1);
    await becomeAvailable(a2);
  });

  it('the call rings at agent01 with the caller profile and open tickets shown before answering', async () => {
    customer = await callerPhone();
    await callQueue(customer);
    const panel = a1.getByTestId('call-panel');
    await panel.waitFor({ timeout: 15_000 });
    expect(await panel.getAttribute('data-call-state')).toBe('ringing');
    await expect.poll(() => a1.getByTestId('call-name').innerText()).toBe(caller.name);
    expect(await a1.getByTestId('call-queue').innerText()).toContain(caller.queue);
    await expect
      .poll(() => a1.getByTestId('pop-open-tickets').getByTestId('pop-ticket').count())
      .toBe(caller.openTickets);
    // Still ringing: the pop came before anyone answered.
    expect(await panel.getAttribute('data-call-state')).toBe('ringing');
    expect(await a2.getByTestId('call-panel').count()).toBe(0);
  });

  it('agent01 answers from the keyboard; audio flows both ways; hold and resume', async () => {
    await a1.keyboard.press('Alt+KeyA');
    await expect.poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
    await expectDesktopAudio(a1);
    await expectCallerAudio(customer);
    await expect.poll(() => agentState(a1)).toBe('OnCall');

    await a1.getByTestId('call-hold').click();
    await expect.poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state')).toBe('held');
    await until(
      'caller sees the hold',
      () => fixtureState(customer),
      (s) => s.call?.remoteHeld === true,
    );
    await new Promise((r) => setTimeout(r, 1200));
    await a1.getByTestId('call-resume').click();
    await expect.poll(() => a1.getByTestId('call-panel').getAttribute('data-call-state')).toBe('active');
    await until(
      'caller sees the resume',
      () => fixtureState(customer),
      (s) => s.call?.remoteHeld === false,
    );

    // The call's own record (answered, on the server and by now synced here) is not listed under the
    // profile as one of the caller's last calls.
    const callId = (await a1.getByTestId('call-panel').getAttribute('data-call-id'))!;
    await expect
      .poll(() => {
        const db = serverDb();
        try {
          return db.prepare('SELECT status FROM interactions WHERE call_id = ?').pluck().get(callId);
        } finally {
          db.close();
        }
      })
      .toBe('answered');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await a1.getByTestId('screen-pop').locator(`[data-call-id="${callId}"]`).count()).toBe(0);
  });

  it('blind transfer to agent02: agent02 rings with the same caller, answers, and audio flows', async () => {
    await a1.getByTestId('call-transfer').click();
    await a1.getByTestId('transfer-dialog-number').fill('1002');
    await a1.getByTestId('transfer-blind').click();
    // agent01 is out of the call and in the wrap-up.
    await a1.getByTestId('wrap-up').waitFor({ timeout: 15_000 });
    const panel = a2.getByTestId('call-panel');
    await panel.waitFor({ timeout: 15_000 });
    await expect.poll(() => panel.getAttribute('data-call-state')).toBe('ringing');
    await expect.poll(() => a2.getByTestId('call-name').innerText()).toBe(caller.name);
    await a2.getByTestId('call-answer').click();
    await expect.poll(() => panel.getAttribute('data-call-state')).toBe('active');
    await expectDesktopAudio(a2);
    await expectCallerAudio(customer);
  });

  it('agent01 wraps up with a disposition, notes and a ticket; the call is on the server and in the customer history', async () => {
    await expect.poll(() => agentState(a1)).toBe('WrapUp');
    await a1.getByTestId('wrap-up-disposition').selectOption('escalated');
    await a1.getByTestId('wrap-up-notes').fill('Transferred to agent02 for the refund');
    const ticketOption = await a1
      .getByTestId('wrap-up-ticket')
      .locator('option')
      .nth(1)
      .getAttribute('value');
    expect(ticketOption).toBeTruthy();
    await a1.getByTestId('wrap-up-ticket').selectOption(ticketOption!);
    await a1.getByTestId('wrap-up-notes').press('Control+Enter');
    await a1.getByTestId('wrap-up').waitFor({ state: 'detached' });
    await expect.poll(() => agentState(a1)).toBe('Available');

    await expect
      .poll(
        () => {
          const db = serverDb();
          try {
            return db
              .prepare(
                `SELECT i.status, i.disposition, i.notes, i.ticket_id, i.answer_at IS NOT NULL AS answered,
                      i.end_at IS NOT NULL AS ended, i.hold_seconds, i.customer_id, u.username
                 FROM interactions i JOIN users u ON u.id = i.agent_id
                WHERE i.queue_number = ? ORDER BY i.ring_at DESC LIMIT 1`,
              )
              .get(caller.queue);
          } finally {
            db.close();
          }
        },
        { timeout: 15_000 },
      )
      .toMatchObject({
        status: 'ended',
        disposition: 'escalated',
        notes: 'Transferred to agent02 for the refund',
        ticket_id: ticketOption,
        answered: 1,
        ended: 1,
        customer_id: caller.id,
        username: 'agent01',
      });

    // The call panel closed with the wrap-up; the customer's page on agent01's desktop lists the call with
    // its outcome.
    await a1.getByTestId('call-panel').waitFor({ state: 'detached' });
    await a1.getByTestId('nav-customers').click();
    await a1.getByTestId('customer-search').fill(caller.digits);
    await a1.getByTestId('customer-row').first().click();
    const calls = a1.getByTestId('customer-timeline');
    await expect
      .poll(() => calls.getByTestId('call-disposition').allInnerTexts(), { timeout: 15_000 })
      .toContain('Escalated');
    expect(await calls.getByTestId('call-notes').allInnerTexts()).toContain(
      'Transferred to agent02 for the refund',
    );
  });

  it('agent02 hangs up from the keyboard and completes the wrap-up of the transferred call', async () => {
    await a2.keyboard.press('Alt+KeyX');
    await until(
      'caller hung up on',
      () => fixtureState(customer),
      (s) => s.call?.state === 'ended',
    );
    await a2.getByTestId('wrap-up').waitFor();
    await a2.getByTestId('wrap-up-disposition').selectOption('resolved');
    // Customer satisfaction: the wrap-up asks the service for the call's one-time rating link; the customer
    // opens it and gives 4 of 5, which lands on agent02's call record; the link works once.
    await a2.getByTestId('wrap-up-rating-link').click();
    const link = await a2.getByTestId('wrap-up-rating-url').inputValue();
    expect(link).toMatch(/\/rate\/[A-Za-z0-9_-]{20,}$/);
    expect((await fetch(link)).status).toBe(200);
    const rate = () =>
      fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'score=4',
      });
    expect((await rate()).ok).toBe(true);
    expect((await rate()).ok).toBe(false);
    const db = serverDb();
    try {
      const rated = db
        .prepare(
          `SELECT i.csat FROM interactions i JOIN users u ON u.id = i.agent_id
            WHERE u.username = 'agent02' AND i.csat IS NOT NULL`,
        )
        .pluck()
        .all();
      expect(rated).toEqual([4]);
    } finally {
      db.close();
    }
    await a2.getByTestId('wrap-up-done').click();
    await a2.getByTestId('wrap-up').waitFor({ state: 'detached' });
  });

  it('Kamailio restarts mid-shift: the phones re-register by themselves and the next call is taken', async () => {
    await a2.getByTestId('agent-state').click();
    await a2.getByTestId('agent-state-Break-lunch').click();
    await expect.poll(() => agentState(a2)).toBe('Break');

    await pbx.stop();
    await expect.poll(() => phoneState(a1), { timeout: 15_000 }).not.toBe('registered');
    await startPbx(pbxPorts);
    // Nobody pushes anything by hand: the service notices the fresh PBX and gives it the agents' accounts.
    await expect.poll(() => phoneState(a1), { timeout: 45_000 }).toBe('registered');

    await until(
      'caller registered again',
      () => fixtureState(customer),
      (s) => s.registration.status === 'registered',
      45_000,
    );
    await callQueueToRingAt(customer, a1);
    await a1.getByTestId('call-answer').click();
    await expectDesktopAudio(a1);
    await a1.getByTestId('call-hangup').click();
    await a1.getByTestId('wrap-up').waitFor();
  });

  it('a caller nobody knows: agent01 makes a customer of them during the call, and the call lands on their page', async () => {
    await a1.getByTestId('wrap-up-done').click();
    await a1.getByTestId('wrap-up').waitFor({ state: 'detached' });
    await expect.poll(() => agentState(a1)).toBe('Available');

    // A number no demo customer has.
    const db = serverDb();
    const known = new Set(db.prepare('SELECT phone FROM customers').pluck().all() as (string | null)[]);
    db.close();
    let digits = 13012340000;
    while (known.has(`+86${digits}`)) digits += 1;
    const stranger = { digits: String(digits), name: 'Unknown' };
    await pbx.setSipUser(stranger.digits, CALLER_PASSWORD);
    const phone = await callerPhone(stranger);
    await callQueueToRingAt(phone, a1);
    expect(await a1.getByTestId('screen-pop').getAttribute('data-known')).toBe('no');
    await a1.getByTestId('call-answer').click();

    await a1.getByTestId('pop-create-customer').click();
    await a1.getByTestId('new-customer-dialog').waitFor();
    expect((await a1.getByTestId('new-customer-phone').inputValue()).replace(/\D/g, '')).toContain(
      stranger.digits,
    );
    await a1.getByTestId('new-customer-name').fill('陈新客');
    // A +86 caller is served in Chinese by default, though this agent's screen is in English.
    expect(await a1.getByTestId('new-customer-language').inputValue()).toBe('zh-CN');
    await a1.getByTestId('new-customer-save').click();
    await a1.getByTestId('new-customer-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => a1.getByTestId('call-name').innerText()).toBe('陈新客');

    await a1.getByTestId('call-hangup').click();
    await a1.getByTestId('wrap-up-notes').fill('First call; customer record made');
    await a1.getByTestId('wrap-up-done').click();
    await a1.getByTestId('wrap-up').waitFor({ state: 'detached' });

    const onServer = () => {
      const db = serverDb();
      try {
        return db
          .prepare(
            `SELECT c.name, i.notes FROM interactions i JOIN customers c ON c.id = i.customer_id
              WHERE i.caller_number = ?`,
          )
          .all(`+86${stranger.digits}`);
      } finally {
        db.close();
      }
    };
    await expect
      .poll(onServer, { timeout: 15_000 })
      .toEqual([{ name: '陈新客', notes: 'First call; customer record made' }]);

    await a1.getByTestId('nav-customers').click();
    await a1.getByTestId('customer-search').fill(stranger.digits);
    await a1.getByTestId('customer-row').first().click();
    await expect
      .poll(() => a1.getByTestId('customer-timeline').getByTestId('call-notes').allInnerTexts(), {
        timeout: 15_000,
      })
      .toEqual(['First call; customer record made']);
  });
});

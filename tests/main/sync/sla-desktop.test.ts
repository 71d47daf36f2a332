import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNSOLVED_STATUSES } from '../../../src/shared/domain/ticket-rules';
import type { AdminConfig } from '../../../src/shared/admin';
import { slaAlertKey, type SlaAlert } from '../../../src/shared/protocol/sla';
import { SlaEngine } from '../../../src/shared/sla';
import { ADMIN_REST } from '../../../src/shared/admin';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, startDemoServer, waitFor, type TestDesktop } from './helpers';

/**
 * The desktop's SLA against the real demo service (48 policies on the mainland-China calendar): the
 * configuration is kept in the replica, so a desktop signed in offline still answers config.get and its timers,
 * due order, "Breaching soon" view and breach alerts keep running from the replica alone.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startDemoServer>>;
const open: TestDesktop[] = [];
const unsolved = [...UNSOLVED_STATUSES];

beforeAll(async () => {
  dir = tempDir('sb-sla-desk-');
  server = await startDemoServer(join(dir.path, 'server.sqlite'), 0);
}, 120_000);

afterAll(async () => {
  for (const d of open) await d.services.dispose();
  await server?.close().catch(() => undefined);
  dir?.remove();
});

const alerts = (d: TestDesktop) =>
  d.events.filter((e) => e.event === 'sla.alert').map((e) => e.payload as SlaAlert);

describe('SLA on the desktop', () => {
  it('keeps the configuration for offline use; timers, due order, breaching soon and alerts run offline', async () => {
    // A policy that warns at once (first response within 5 minutes, warned 10 before) on an always-open
    // calendar, for the api channel the demo leaves without one: a ticket made now is in warning now.
    const admin = await apiLogin(server.url, 'admin');
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
        body: JSON.stringify(body),
      });
    const always = { start: '00:00', end: '24:00' };
    expect(
      (
        await post(ADMIN_REST.calendars, {
          id: 'always',
          name: 'Always open',
          timeZone: 'Asia/Shanghai',
          weekly: {
            mon: [always],
            tue: [always],
            wed: [always],
            thu: [always],
            fri: [always],
            sat: [always],
            sun: [always],
          },
          holidays: [],
          workdays: [],
        })
      ).status,
    ).toBe(201);
    const me = (await apiLogin(server.url, 'agent01')).user;
    expect(
      (
        await post(ADMIN_REST.slaPolicies, {
          departmentId: me.departmentId,
          priority: 'normal',
          channel: 'api',
          calendarId: 'always',
          firstResponseMinutes: 5,
          nextResponseMinutes: null,
          resolutionMinutes: null,
          warning: { kind: 'minutesBefore', minutes: 10 },
        })
      ).status,
    ).toBe(201);
    const online = desktop(join(dir.path, 'wang'), { deviceId: 'wang' });
    open.push(online);
    await online.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: false,
    });
    await online.waitSynced();
    const config = await online.call('config.get', {});
    expect(config.slaPolicies.length).toBe(49);
    const soonOnline = await online.call('tickets.counts', {
      filters: [{ status: unsolved, slaDueWithinMinutes: 120 }],
    });
    await online.call('auth.logout', {});
    await online.services.dispose();
    open.splice(0);
    await server.close();

    // Restarted with the service down: signed in offline from this computer's copy.
    const d = desktop(join(dir.path, 'wang'), { deviceId: 'wang' });
    open.push(d);
    const info = await d.call('auth.login', {
      serverUrl: server.url,
      username: 'agent01',
      password: 'switchboard',
      remember: false,
      offline: true,
    });
    expect(await d.call('config.get', {})).toEqual(config);

    // The list in SLA due order: every row carries its timeline, and the running clocks come earliest due first.
    const engine = new SlaEngine(config as AdminConfig);
    const now = Date.now();
    const page = await d.call('tickets.search', { status: unsolved, sort: 'slaDue', limit: 200 });
    expect(page.rows.length).toBeGreaterThan(20);
    const due = page.rows.map((r) => {
      expect(r.sla).not.toBeNull();
      return engine.statusOf(r, r.sla!, now)!.status;
    });
    const running = due.filter((s) => s.state !== 'paused').map((s) => s.nextDueAt!);
    expect(running.length).toBeGreaterThan(10);
    expect(running).toEqual([...running].sort((a, b) => a - b));

    // "Breaching soon": the same count as online, and each ticket it lists due within two hours or overdue.
    const soon = await d.call('tickets.counts', {
      filters: [{ status: unsolved, slaDueWithinMinutes: 120 }],
    });
    expect(soon.counts[0]).toBe(soonOnline.counts[0]);
    expect(soon.counts[0]).toBeGreaterThan(0);
    const listed = await d.call('tickets.search', { status: unsolved, slaDueWithinMinutes: 120, limit: 500 });
    expect(listed.total).toBe(soon.counts[0]);
    for (const r of listed.rows) {
      const s = engine.statusOf(r, r.sla!, Date.now())!.status;
      expect(s.nextDueAt!).toBeLessThanOrEqual(Date.now() + 120 * 60_000);
    }

    // Alerts from the desktop's own clock, for the user's own tickets in warning or breach, each key once: a
    // ticket made now (offline) under the api policy is in warning at once; the demo's backlog, late for
    // days, stays in the list and pops nothing up.
    const customerId = page.rows[0]!.customerId;
    const made = await d.call('tickets.create', {
      customerId,
      subject: 'API 对接失败',
      channel: 'api',
      assigneeId: 'me',
    });
    await waitFor(async () => alerts(d).some((a) => a.ticketId === made.id), 'an SLA alert from the desktop');
    const first = alerts(d);
    expect(first).toEqual([
      expect.objectContaining({ ticketId: made.id, target: 'firstResponse', kind: 'warning' }),
    ]);
    for (const a of first) {
      expect(a.source).toBe('desktop');
      const detail = await d.call('tickets.get', { id: a.ticketId });
      expect(detail.ticket.assigneeId).toBe(info.user.id);
      const target = engine.statusOf(detail.ticket, detail.ticket.sla!, Date.now())!.status[a.target]!;
      expect(target.state).toBe(
        a.kind === 'breach' ? 'breached' : target.state === 'breached' ? 'breached' : 'warning',
      );
      expect(Date.parse(a.dueAt)).toBe(target.dueAt);
    }
    // An edit recomputes and looks again: nothing already said is said twice.
    await d.call('tickets.comment', {
      ticketId: first[0]!.ticketId,
      body: 'looking into it',
      internal: true,
    });
    const keys = alerts(d).map(slaAlertKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThanOrEqual(first.length);
  }, 120_000);
});

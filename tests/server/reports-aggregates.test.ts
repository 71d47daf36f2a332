// Reports (issue 14) on a real server over the demo data: the figures equal counts the test makes itself from
// the raw tables, stay right when a ticket moves department or is solved after the fact, CSV exports are
// recorded in the audit log, and a supervisor sees their own department only.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPage, type LoginResponse, type Mutation, type Ticket } from '../../src/shared';
import { REPORTS_REST, ReportResult } from '../../src/shared/protocol/reports';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { connectSocket, login, pullAll, pushAll, startTestServer, type TestServer } from './helpers';
import { until } from './voice-helpers';

const ZONE = 'Asia/Shanghai';
let server: TestServer;
let db: Db;
let admin: LoginResponse;
let super01: LoginResponse; // after-sales
let agent01: LoginResponse; // after-sales

beforeAll(async () => {
  server = await startTestServer({ tickets: 300, customers: 80 });
  db = openDatabase(server.dbPath);
  [admin, super01, agent01] = await Promise.all([
    login(server.url, 'admin'),
    login(server.url, 'super01'),
    login(server.url, 'agent01'),
  ]);
});
afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

const today = () => DateTime.now().setZone(ZONE).toISODate()!;
const daysAgo = (n: number) => DateTime.now().setZone(ZONE).minus({ days: n }).toISODate()!;

async function get(path: string, token: string) {
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function report(token: string, q: Record<string, string>): Promise<ReportResult> {
  const res = await get(`${REPORTS_REST.report}?${new URLSearchParams(q)}`, token);
  expect(res.status, await res.clone().text()).toBe(200);
  return ReportResult.parse(await res.json());
}

type Counts = { volume: number; answered: number; resolved: number; transfers: number };

/** Per "day|department", counted here from the tickets, comments and history themselves. */
async function independent(): Promise<Map<string, Counts>> {
  const tickets = await db
    .selectFrom('tickets')
    .select(['id', 'department_id', 'created_at', 'status'])
    .where('deleted_at', 'is', null)
    .execute();
  const replied = new Set(
    (
      await db
        .selectFrom('ticket_comments')
        .select('ticket_id')
        .where('internal', '=', 0)
        .where('author_id', 'is not', null)
        .execute()
    ).map((c) => c.ticket_id),
  );
  const history = await db
    .selectFrom('ticket_history')
    .select(['ticket_id', 'field', 'to_value'])
    .where('field', 'in', ['status', 'departmentId'])
    .execute();
  const solvedInHistory = new Set(
    history.filter((h) => h.to_value === 'solved' || h.to_value === 'closed').map((h) => h.ticket_id),
  );
  const moves = new Map<string, number>();
  for (const h of history)
    if (h.field === 'departmentId') moves.set(h.ticket_id, (moves.get(h.ticket_id) ?? 0) + 1);
  const out = new Map<string, Counts>();
  for (const t of tickets) {
    const day = DateTime.fromISO(t.created_at).setZone(ZONE).toISODate()!;
    const k = `${day}|${t.department_id}`;
    const c = out.get(k) ?? { volume: 0, answered: 0, resolved: 0, transfers: 0 };
    c.volume++;
    if (replied.has(t.id)) c.answered++;
    if ((t.status === 'solved' || t.status === 'closed') && solvedInHistory.has(t.id)) c.resolved++;
    c.transfers += moves.get(t.id) ?? 0;
    out.set(k, c);
  }
  return out;
}

function fromReport(r: ReportResult): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const row of r.rows) {
    const day = DateTime.fromISO(row.start).setZone(ZONE).toISODate()!;
    const f = row.figures;
    if (f.volume === 0 && f.transfers === 0) continue;
    out.set(`${day}|${row.key}`, {
      volume: f.volume,
      answered: f.answered,
      resolved: f.resolvedCount,
      transfers: f.transfers,
    });
  }
  return out;
}

const byDay = { interval: 'day', dimension: 'department' } as const;

describe('reports over the demo data', () => {
  it('count per day and department what the raw tables hold (administrator: every department)', async () => {
    const r = await report(admin.accessToken, { ...byDay, from: daysAgo(95), to: today() });
    expect(r.timeZone).toBe(ZONE);
    const expected = await independent();
    expect([...expected.values()].reduce((n, c) => n + c.volume, 0)).toBe(300);
    expect(fromReport(r)).toEqual(expected);
    // The days of the zone: every row starts at midnight there.
    for (const row of r.rows) expect(DateTime.fromISO(row.start).setZone(ZONE).hour).toBe(0);
    // Per-channel totals add up to the same tickets.
    const channels = await report(admin.accessToken, {
      interval: 'week',
      dimension: 'channel',
      from: daysAgo(95),
      to: today(),
    });
    expect(channels.totals.reduce((n, t) => n + t.figures.volume, 0)).toBe(300);
    expect(new Set(channels.totals.map((t) => t.key))).toEqual(
      new Set(['voice', 'chat', 'email', 'web', 'api']),
    );
    // Hours and quarters (15-minute rows) and days (day rows) count the same week alike.
    const week = { dimension: 'department', from: daysAgo(6), to: today() };
    const sum = (r: ReportResult) => r.totals.reduce((n, t) => n + t.figures.volume, 0);
    const days = await report(admin.accessToken, { ...week, interval: 'day' });
    expect(sum(days)).toBeGreaterThan(0);
    expect(sum(await report(admin.accessToken, { ...week, interval: 'hour' }))).toBe(sum(days));
    expect(sum(await report(admin.accessToken, { ...week, interval: '15m' }))).toBe(sum(days));
  });

  it('move a ticket to its new department and count its solving when that happens after the fact', async () => {
    const socket = await connectSocket(server.url, agent01.accessToken);
    try {
      const { changes } = await pullAll(socket);
      const mine = changes
        .filter((c) => c.kind === 'ticket' && c.op === 'upsert')
        .map((c) => (c as { data: Ticket }).data)
        .find((t) => t.status === 'open' && t.departmentId === agent01.user.departmentId);
      expect(mine).toBeDefined();
      const ticket = mine!;
      const tech = await db
        .selectFrom('departments')
        .select('id')
        .where('code', '=', 'tech')
        .executeTakeFirstOrThrow();
      const day = DateTime.fromISO(ticket.createdAt).setZone(ZONE).toISODate()!;
      const before = fromReport(await report(admin.accessToken, { ...byDay, from: day, to: day }));
      const move: Mutation = {
        id: randomUUID(),
        name: 'ticket.update',
        args: {
          ticketId: ticket.id,
          patch: { departmentId: tech.id },
          baseVersion: ticket.version,
          reason: 'A router fault: technical support knows it.',
        },
      };
      const acks = await pushAll(socket, [move], 'desk-reports-01');
      expect(acks[0]).toMatchObject({ status: 'applied' });
      const after = fromReport(await report(admin.accessToken, { ...byDay, from: day, to: day }));
      const from = `${day}|${ticket.departmentId}`;
      const to = `${day}|${tech.id}`;
      expect(after.get(from)?.volume ?? 0).toBe(before.get(from)!.volume - 1);
      expect(after.get(to)!.volume).toBe((before.get(to)?.volume ?? 0) + 1);
      expect(after.get(to)!.transfers).toBe((before.get(to)?.transfers ?? 0) + 1);
      expect(
        fromReport(await report(admin.accessToken, { ...byDay, from: daysAgo(95), to: today() })),
      ).toEqual(await independent());
    } finally {
      socket.close();
    }
    // Solved by the team that has it now: resolved in the day it arrived, the whole report still exact.
    const liu = await login(server.url, 'agent05');
    const tech = await connectSocket(server.url, liu.accessToken);
    try {
      const { changes } = await pullAll(tech);
      const open = changes
        .filter((c) => c.kind === 'ticket' && c.op === 'upsert')
        .map((c) => (c as { data: Ticket }).data)
        .find((t) => t.status === 'open');
      expect(open).toBeDefined();
      const acks = await pushAll(
        tech,
        [
          {
            id: randomUUID(),
            name: 'ticket.update',
            args: { ticketId: open!.id, patch: { status: 'solved' }, baseVersion: open!.version },
          },
        ],
        'desk-reports-02',
      );
      expect(acks[0]).toMatchObject({ status: 'applied' });
      const expected = await independent();
      expect(
        fromReport(await report(admin.accessToken, { ...byDay, from: daysAgo(95), to: today() })),
      ).toEqual(expected);
    } finally {
      tech.close();
    }
  });

  it('keeps supervisors to their own department and agents out', async () => {
    const own = await report(super01.accessToken, { ...byDay, from: daysAgo(95), to: today() });
    expect(own.departments).toEqual([super01.user.departmentId]);
    expect(new Set(own.rows.map((r) => r.key))).toEqual(new Set([super01.user.departmentId]));
    // Queue and agent rows too: only the department's own.
    const agents = await report(super01.accessToken, {
      interval: 'week',
      dimension: 'agent',
      from: daysAgo(95),
      to: today(),
    });
    const theirs = new Set(
      (
        await db
          .selectFrom('users')
          .select('id')
          .where('department_id', '=', super01.user.departmentId)
          .execute()
      ).map((u) => u.id),
    );
    for (const t of agents.totals) if (t.key) expect(theirs.has(t.key)).toBe(true);
    const tech = await db
      .selectFrom('departments')
      .select('id')
      .where('code', '=', 'tech')
      .executeTakeFirstOrThrow();
    for (const path of [REPORTS_REST.report, REPORTS_REST.export]) {
      const q = new URLSearchParams({ ...byDay, from: daysAgo(7), to: today(), departmentId: tech.id });
      const refused = await get(`${path}?${q}`, super01.accessToken);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'forbidden' });
      const agent = await get(
        `${path}?${new URLSearchParams({ ...byDay, from: daysAgo(7), to: today() })}`,
        agent01.accessToken,
      );
      expect(agent.status).toBe(403);
    }
  });

  it('exports CSV for Excel (BOM, RFC 4180) and records who exported what in the audit log', async () => {
    const q = { ...byDay, dimension: 'agent', from: daysAgo(30), to: today(), lang: 'zh' };
    const res = await get(`${REPORTS_REST.export}?${new URLSearchParams(q)}`, super01.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.split('\r\n');
    expect(lines[0]).toMatch(/^interval_start,key,name,volume,answered,abandoned/);
    expect(lines.at(-1)).toBe('');
    const json = await report(super01.accessToken, {
      ...byDay,
      dimension: 'agent',
      from: daysAgo(30),
      to: today(),
    });
    expect(lines.length - 2).toBe(json.rows.length);
    // Agents' names in Chinese as asked (the demo's after-sales agents have Chinese names).
    const named = json.rows.find((r) => r.key && json.labels[r.key]);
    expect(text).toContain(json.labels[named!.key]!.zh);
    const records = await until(async () => {
      const page = AuditPage.parse(
        await (
          await get(
            `/api/audit/records?action=report.export&actor=${super01.user.id}&limit=5`,
            admin.accessToken,
          )
        ).json(),
      );
      return page.records.length > 0 ? page.records : undefined;
    });
    expect(records[0]!.detail).toMatchObject({
      dimension: 'agent',
      interval: 'day',
      from: daysAgo(30),
      to: today(),
      departments: [super01.user.departmentId],
    });
    // A refused export is no export: nothing recorded for the agent.
    await get(`${REPORTS_REST.export}?${new URLSearchParams(q)}`, agent01.accessToken);
    const none = AuditPage.parse(
      await (
        await get(
          `/api/audit/records?action=report.export&actor=${agent01.user.id}&limit=5`,
          admin.accessToken,
        )
      ).json(),
    );
    expect(none.records).toHaveLength(0);
  });
});

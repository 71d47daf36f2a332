import { describe, expect, it } from 'vitest';
import type { SlaPolicy } from '../../src/shared/admin/schemas';
import {
  CHINA_MAINLAND_CALENDAR,
  SlaEngine,
  slaTimeline,
  type SlaComment,
  type SlaHistory,
  type SlaTicket,
} from '../../src/shared/sla';

const cst = (local: string) => new Date(`${local}+08:00`).toISOString();
const ms = (local: string) => Date.parse(`${local}+08:00`);
const SALES = '00000000-0000-4000-8000-000000000001';
const TECH = '00000000-0000-4000-8000-000000000002';
const AGENT = '00000000-0000-4000-8000-00000000000a';

const policy = (over: Partial<SlaPolicy> = {}): SlaPolicy => ({
  id: '00000000-0000-4000-8000-0000000000f1',
  departmentId: SALES,
  priority: 'normal',
  channel: 'phone',
  calendarId: CHINA_MAINLAND_CALENDAR.id,
  firstResponseMinutes: 60,
  nextResponseMinutes: 120,
  resolutionMinutes: 480,
  warning: { kind: 'percent', percent: 80 },
  escalations: [],
  active: true,
  ...over,
});
const engine = (policies: SlaPolicy[]) =>
  new SlaEngine({ version: 1, calendars: [CHINA_MAINLAND_CALENDAR], slaPolicies: policies });

// Monday 2025-06-09 is a working day in the mainland calendar (09:00-12:00, 13:00-18:00).
const ticket = (over: Partial<SlaTicket> = {}): SlaTicket => ({
  departmentId: SALES,
  priority: 'normal',
  channel: 'phone',
  status: 'open',
  createdAt: cst('2025-06-09T10:00:00'),
  ...over,
});
const status = (at: string, from: string, to: string): SlaHistory => ({
  field: 'status',
  from,
  to,
  at: cst(at),
});
const reply = (at: string, over: Partial<SlaComment> = {}): SlaComment => ({
  authorId: AGENT,
  internal: false,
  createdAt: cst(at),
  ...over,
});

describe('a ticket’s SLA from its record', () => {
  it('counts one business day of resolution across the lunch break and the night', () => {
    const sla = engine([policy()]).ticketSla(ticket(), [], [], ms('2025-06-09T11:00:00'))!;
    // 10:00-12:00 and 13:00-18:00 Monday is 7 h; the 8th hour is 09:00-10:00 Tuesday.
    expect(sla.status.resolution!.dueAt).toBe(ms('2025-06-10T10:00:00'));
    expect(sla.status.firstResponse!.dueAt).toBe(ms('2025-06-09T11:00:00'));
    expect(sla.status.state).toBe('warning');
  });

  it('stops the clocks while pending customer and resumes them after', () => {
    const history = [
      status('2025-06-09T11:00:00', 'open', 'pending'),
      status('2025-06-10T10:00:00', 'pending', 'open'),
    ];
    const e = engine([policy()]);
    const paused = e.ticketSla(
      ticket({ status: 'pending' }),
      history.slice(0, 1),
      [reply('2025-06-09T10:30:00')],
      ms('2025-06-09T15:00:00'),
    )!;
    expect(paused.status.resolution!.state).toBe('paused');
    expect(paused.status.resolution!.elapsedMs).toBe(3_600_000);
    const resumed = e.ticketSla(
      ticket(),
      history,
      [reply('2025-06-09T10:30:00')],
      ms('2025-06-10T11:00:00'),
    )!;
    // 1 h before the pause, 7 h left from Tuesday 10:00: 10-12 and 13-18.
    expect(resumed.status.resolution!.dueAt).toBe(ms('2025-06-10T18:00:00'));
    expect(resumed.status.resolution!.elapsedMs).toBe(2 * 3_600_000);
  });

  it('counts only a public agent reply as the first response', () => {
    const e = engine([policy()]);
    const noted = e.ticketSla(
      ticket(),
      [],
      [reply('2025-06-09T10:20:00', { internal: true })],
      ms('2025-06-09T11:30:00'),
    )!;
    expect(noted.status.firstResponse!.state).toBe('breached');
    const customer = e.ticketSla(
      ticket(),
      [],
      [reply('2025-06-09T10:20:00', { authorId: null })],
      ms('2025-06-09T11:30:00'),
    )!;
    expect(customer.status.firstResponse!.state).toBe('breached');
    const answered = e.ticketSla(ticket(), [], [reply('2025-06-09T10:20:00')], ms('2025-06-09T11:30:00'))!;
    expect(answered.status.firstResponse).toMatchObject({ state: 'met', metLate: false });
  });

  it('starts a next-response clock at the customer’s first unanswered message', () => {
    const comments = [
      reply('2025-06-09T10:10:00'),
      reply('2025-06-09T14:00:00', { authorId: null }),
      reply('2025-06-09T14:30:00', { authorId: null }),
    ];
    const sla = engine([policy()]).ticketSla(ticket(), [], comments, ms('2025-06-09T15:00:00'))!;
    expect(sla.status.nextResponse).toMatchObject({ startedAt: ms('2025-06-09T14:00:00'), state: 'running' });
    expect(sla.status.nextResponse!.dueAt).toBe(ms('2025-06-09T16:00:00'));
    const answered = engine([policy()]).ticketSla(
      ticket(),
      [],
      [...comments, reply('2025-06-09T15:10:00')],
      ms('2025-06-09T15:30:00'),
    )!;
    expect(answered.status.nextResponse).toMatchObject({ state: 'met', metAt: ms('2025-06-09T15:10:00') });
  });

  it('stops resolution when solved, and does not count the solved days after a reopen', () => {
    const e = engine([policy()]);
    const solvedHistory = [status('2025-06-09T12:00:00', 'open', 'solved')];
    const solved = e.ticketSla(
      ticket({ status: 'solved' }),
      solvedHistory,
      [reply('2025-06-09T10:10:00')],
      ms('2025-06-12T12:00:00'),
    )!;
    expect(solved.status.resolution).toMatchObject({ state: 'met', metAt: ms('2025-06-09T12:00:00') });
    const history = [...solvedHistory, status('2025-06-11T09:00:00', 'solved', 'reopened')];
    const reopened = e.ticketSla(
      ticket({ status: 'reopened' }),
      history,
      [reply('2025-06-09T10:10:00')],
      ms('2025-06-11T10:00:00'),
    )!;
    // 2 h Monday before it was solved, 1 h Wednesday after the reopen.
    expect(reopened.status.resolution!.elapsedMs).toBe(3 * 3_600_000);
    expect(reopened.status.resolution!.state).toBe('running');
  });

  it('stops every clock when the ticket is solved, also one never answered', () => {
    const e = engine([policy()]);
    const history = [status('2025-06-09T10:30:00', 'open', 'solved')];
    const solved = e.ticketSla(ticket({ status: 'solved' }), history, [], ms('2025-06-12T12:00:00'))!;
    expect(solved.status.firstResponse).toMatchObject({ state: 'met', metAt: ms('2025-06-09T10:30:00') });
    expect(solved.status.state).toBe('met');
    expect(solved.status.nextDueAt).toBeNull();
    // Closed with no history at all (a replica holding only the ticket): nothing runs either.
    const closed = e.ticketSla(ticket({ status: 'closed' }), [], [], ms('2025-06-12T12:00:00'))!;
    expect(closed.status.state).toBe('met');
  });

  it('follows the department a ticket is transferred to, from the same start', () => {
    const e = engine([
      policy(),
      policy({ id: '00000000-0000-4000-8000-0000000000f2', departmentId: TECH, resolutionMinutes: 960 }),
    ]);
    const moved = e.ticketSla(ticket({ departmentId: TECH }), [], [], ms('2025-06-09T11:00:00'))!;
    expect(moved.policy.departmentId).toBe(TECH);
    expect(moved.status.resolution!.startedAt).toBe(ms('2025-06-09T10:00:00'));
    expect(moved.status.resolution!.dueAt).toBe(ms('2025-06-11T10:00:00'));
  });

  it('has no SLA without a policy for the channel, or with the policy off', () => {
    expect(
      engine([policy()]).ticketSla(ticket({ channel: 'email' }), [], [], ms('2025-06-09T11:00:00')),
    ).toBeNull();
    expect(
      engine([policy({ active: false })]).ticketSla(ticket(), [], [], ms('2025-06-09T11:00:00')),
    ).toBeNull();
  });

  it('reads a pending ticket with no history entry as paused since it was made', () => {
    const t = slaTimeline(ticket({ status: 'on_hold' }), [], []);
    expect(t.pauses).toEqual([{ from: ms('2025-06-09T10:00:00'), to: null }]);
  });
});

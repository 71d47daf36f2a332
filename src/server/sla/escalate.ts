import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import {
  TicketPriority,
  type EscalationRule,
  type SlaAlert,
  type SlaPolicy,
  type Ticket,
} from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { inScope, scopeOf } from '../auth/scope';
import { dialectOf } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { getDepartment, getUserRow } from '../directory/directory-store';
import { republishTo } from '../tickets/move-ticket';
import { getTicketForChange, insertHistory, saveTicket } from '../tickets/ticket-store';
import { evaluateSla, markFired, type SlaEvent } from './sla-evaluate';
import { loadSlaInputs, slaEngine, writeSlaColumns } from './sla-store';

/** The name history and audit show for changes the SLA engine makes. */
export const SLA_ACTOR = 'SLA';

/**
 * Who "the department's supervisors" are for a notify rule. A list, not one role, so that the team lead role
 * (being added to the shared Role enum) is notified as soon as it exists.
 */
export const SUPERVISOR_ROLES: readonly string[] = ['supervisor', 'team_lead'];

export interface Notice {
  userId: string;
  alert: SlaAlert;
}

export interface TicketSweep {
  /** Events this call fired (claimed in sla_events). */
  fired: number;
  notices: Notice[];
  /** Departments whose replicas should pull (a ticket changed there or left them). */
  departments: Set<string>;
}

/**
 * Takes the ticket for this transaction before anything is read: on PostgreSQL its row lock (a push or another
 * node's sweep of the same ticket waits), on SQLite the one write lock, taken by a write so that two processes
 * on one file queue on the busy timeout instead of one failing to upgrade a read.
 */
async function takeTicket(trx: Tx, id: string): Promise<Ticket | undefined> {
  if (dialectOf(trx) === 'sqlite')
    await sql`UPDATE tickets SET sla_next_check_ms = sla_next_check_ms WHERE id = ${id}`.execute(trx);
  return getTicketForChange(trx, id);
}

/** Inserts the event unless it is there; true when this call inserted it (so it alone acts on it). */
async function claim(
  trx: Tx,
  ticketId: string,
  e: SlaEvent,
  policyId: string,
  at: string,
  carried: boolean,
): Promise<boolean> {
  const r = await trx
    .insertInto('sla_events')
    .values({
      ticket_id: ticketId,
      target: e.target,
      kind: e.kind,
      due_at: new Date(e.dueAt).toISOString(),
      at,
      policy_id: policyId,
      carried: carried ? 1 : 0,
    })
    .onConflict((oc) => oc.columns(['ticket_id', 'target', 'kind', 'due_at']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

const rulesFor = (policy: SlaPolicy, e: SlaEvent): EscalationRule[] =>
  policy.escalations.filter((r) => r.on === e.kind && (r.target === null || r.target === e.target));

const TARGET_TEXT = {
  firstResponse: 'first response',
  nextResponse: 'next response',
  resolution: 'resolution',
};

/**
 * Acts on every SLA event of one ticket that has come by `now` and not fired yet, in one transaction: claims
 * each in sla_events (a unique key: another sweep or node that got there first wins, and this one does
 * nothing), writes its audit record and applies the policy's escalation rules for it. Ticket changes go through
 * saveTicket and insertHistory as an agent's would (so replicas pull them), as the SLA actor with a note naming
 * the rule. A ticket so changed gets its SLA under its new policy; what that policy finds already due for the
 * target just escalated is recorded as carried, not escalated again: raising a priority or moving a ticket
 * cannot set off a chain of further escalations for the same lateness.
 */
export async function sweepTicket(db: Db, trx: Tx, ticketId: string, now: Date): Promise<TicketSweep> {
  const result: TicketSweep = { fired: 0, notices: [], departments: new Set() };
  // The ticket first, before any read (takeTicket), then the configuration.
  const ticket = await takeTicket(trx, ticketId);
  if (!ticket) return result;
  const engine = await slaEngine(db, trx);
  const nowMs = now.getTime();
  const at = now.toISOString();
  const inputs = (await loadSlaInputs(trx, [ticketId])).get(ticketId)!;
  const outcome = evaluateSla(engine, inputs, nowMs);
  const policy = outcome.sla?.policy;
  let current: Ticket = ticket;
  const escalated = new Set<string>();
  let ruleNumber = 0;
  for (const e of policy ? outcome.due : []) {
    const won = await claim(trx, ticketId, e, policy!.id, at, false);
    markFired(inputs, e);
    if (!won) continue;
    result.fired++;
    const alert: SlaAlert = {
      ticketId,
      ticketNumber: current.number,
      subject: current.subject,
      departmentId: current.departmentId,
      target: e.target,
      kind: e.kind,
      dueAt: new Date(e.dueAt).toISOString(),
      at,
      source: 'service',
    };
    const actions: Record<string, unknown>[] = [];
    const before = current;
    for (const rule of rulesFor(policy!, e)) {
      ruleNumber = policy!.escalations.indexOf(rule) + 1;
      const note = `SLA ${TARGET_TEXT[e.target]} ${e.kind}: escalation rule ${ruleNumber}`;
      const a = rule.action;
      if (a.kind === 'notify') {
        const to = await recipients(trx, current, a.who, a.userId);
        for (const userId of to) result.notices.push({ userId, alert });
        actions.push({ rule: ruleNumber, notify: a.who, users: to });
        continue;
      }
      const next = await changed(trx, current, a, note, at);
      actions.push({ rule: ruleNumber, [a.kind]: next === current ? 'nothing to change' : 'done' });
      if (next === current) continue;
      if (next.departmentId !== current.departmentId) result.departments.add(current.departmentId);
      current = next;
      escalated.add(e.target);
    }
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    for (const f of ['priority', 'assigneeId', 'departmentId'] as const)
      if (before[f] !== current[f]) diff[f] = { from: before[f], to: current[f] };
    await writeAudit(trx, {
      at,
      actorId: null,
      action: `sla.${e.kind}`,
      subjectId: ticketId,
      detail: {
        actorName: SLA_ACTOR,
        target: e.target,
        dueAt: alert.dueAt,
        policyId: policy!.id,
        departmentId: before.departmentId,
        actions,
        ...(Object.keys(diff).length > 0 ? { changes: diff } : {}),
      },
    });
  }
  if (current !== ticket) {
    await saveTicket(trx, { ...current, updatedAt: at });
    result.departments.add(current.departmentId);
  }

  // The SLA now: under the new policy when an escalation changed the ticket.
  const row = {
    ...inputs.row,
    priority: current.priority,
    department_id: current.departmentId,
  };
  let after = evaluateSla(engine, { ...inputs, row }, nowMs);
  const newPolicy = after.sla?.policy;
  if (current !== ticket && newPolicy) {
    const carried = after.due.filter((e) => escalated.has(e.target));
    for (const e of carried) {
      await claim(trx, ticketId, e, newPolicy.id, at, true);
      markFired(inputs, e);
    }
    if (carried.length > 0) after = evaluateSla(engine, { ...inputs, row }, nowMs);
  }
  await writeSlaColumns(trx, [[ticketId, after.dueAt, after.state, after.nextCheckAt, after.timeline]]);
  return result;
}

/** A ticket change an escalation rule makes (the same ticket when there is nothing to do). */
async function changed(
  trx: Tx,
  t: Ticket,
  a: Exclude<EscalationRule['action'], { kind: 'notify' }>,
  note: string,
  at: string,
): Promise<Ticket> {
  const history = (field: string, from: string | null, to: string | null, departmentId: string) =>
    insertHistory(
      trx,
      { id: randomUUID(), ticketId: t.id, field, from, to, actorId: null, actorName: SLA_ACTOR, at, note },
      departmentId,
    );
  switch (a.kind) {
    case 'raisePriority': {
      const order = TicketPriority.options;
      const next = order[order.indexOf(t.priority) + 1];
      if (!next) return t;
      await history('priority', t.priority, next, t.departmentId);
      return { ...t, priority: next };
    }
    case 'reassign': {
      if (t.assigneeId === a.userId) return t;
      const u = await getUserRow(trx, a.userId);
      // Only someone who can work the ticket: an active user of its department (as an agent's assignment).
      if (!u || u.disabled || u.department_id !== t.departmentId) return t;
      await history('assigneeId', t.assigneeId, a.userId, t.departmentId);
      return { ...t, assigneeId: a.userId };
    }
    case 'moveDepartment': {
      if (t.departmentId === a.departmentId || !(await getDepartment(trx, a.departmentId))) return t;
      // As a transfer: the old department's replicas drop it, the new one's get it with its history.
      await republishTo(trx, t, a.departmentId);
      await history('departmentId', t.departmentId, a.departmentId, a.departmentId);
      if (t.assigneeId !== null) await history('assigneeId', t.assigneeId, null, a.departmentId);
      if (t.handBackTo !== null) await history('handBackTo', t.handBackTo, null, a.departmentId);
      return { ...t, departmentId: a.departmentId, assigneeId: null, handBackTo: null };
    }
  }
}

/** The users a notify rule names, among those who may see the ticket (enabled, its department in scope). */
async function recipients(
  trx: Tx,
  t: Ticket,
  who: 'assignee' | 'supervisors' | 'user',
  userId: string | null,
): Promise<string[]> {
  let rows: { id: string; department_id: string | null; disabled: number }[] = [];
  if (who === 'supervisors') {
    rows = await trx
      .selectFrom('users')
      .select(['id', 'department_id', 'disabled'])
      .where('department_id', '=', t.departmentId)
      .where(sql.ref<string>('role'), 'in', SUPERVISOR_ROLES)
      .orderBy('id')
      .execute();
  } else {
    const id = who === 'assignee' ? t.assigneeId : userId;
    const u = id === null ? undefined : await getUserRow(trx, id);
    if (u) rows = [u];
  }
  return rows
    .filter((u) => !u.disabled && inScope(scopeOf({ departmentId: u.department_id }), t.departmentId))
    .map((u) => u.id);
}

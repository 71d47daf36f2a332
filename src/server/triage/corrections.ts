import { randomUUID } from 'node:crypto';
import type { Ticket, TicketChange, User } from '../../shared';
import type { TriageField } from '../../shared/triage';
import { writeAudit } from '../audit/audit-log';
import type { Tx } from '../db/schema';

/** The ticket fields a person corrects triage by, and the triage field each stands for. */
const CORRECTABLE = [
  ['category', 'category'],
  ['departmentId', 'department'],
  ['priority', 'priority'],
] as const satisfies readonly (readonly [keyof TicketChange & keyof Ticket, TriageField])[];

/** A department as a correction names it: its taxonomy label, else its code (a department triage never routes to). */
async function departmentLabel(trx: Tx, id: string): Promise<string> {
  const r = await trx
    .selectFrom('departments')
    .select(['triage_label', 'code'])
    .where('id', '=', id)
    .executeTakeFirst();
  return (r?.triage_label ?? r?.code ?? id).slice(0, 40);
}

/**
 * What a person's change does to a triaged ticket (called by ticket.update, online or replayed from an offline
 * desktop, after every check passed): each triage field it changes is a correction (a row of
 * triage_corrections and an audit entry `triage.correct`), and a change or a restatement of any of them is a
 * person's review, which takes the ticket out of the triage queue. Returns the ticket's triage afterwards
 * (the same object when nothing changed).
 */
export async function reviewByChange(
  trx: Tx,
  user: User,
  ticket: Ticket,
  patch: TicketChange,
  changed: readonly string[],
  now: Date,
  deviceId: string | null,
): Promise<Ticket['triage']> {
  const triage = ticket.triage;
  if (!triage) return triage;
  const named = CORRECTABLE.filter(([f]) => patch[f] !== undefined);
  if (named.length === 0) return triage;
  const at = now.toISOString();
  for (const [f, field] of named) {
    if (!changed.includes(f)) continue;
    const from =
      f === 'departmentId' ? await departmentLabel(trx, ticket.departmentId) : String(ticket[f] ?? '');
    const to =
      f === 'departmentId' ? await departmentLabel(trx, patch.departmentId!) : String(patch[f] ?? '');
    const id = randomUUID();
    await trx
      .insertInto('triage_corrections')
      .values({
        id,
        ticket_id: ticket.id,
        department_id: ticket.departmentId,
        field,
        from_value: from,
        to_value: to,
        model_version: triage.modelVersion,
        actor_id: user.id,
        at,
      })
      .execute();
    await writeAudit(trx, {
      at,
      actorId: user.id,
      source: deviceId,
      action: 'triage.correct',
      subjectId: ticket.id,
      detail: { correctionId: id, field, from, to, modelVersion: triage.modelVersion },
    });
  }
  if (!triage.needsReview) return triage;
  if (!named.some(([f]) => changed.includes(f))) {
    await writeAudit(trx, {
      at,
      actorId: user.id,
      source: deviceId,
      action: 'triage.confirm',
      subjectId: ticket.id,
      detail: { modelVersion: triage.modelVersion, fields: named.map(([, field]) => field) },
    });
  }
  return { ...triage, needsReview: false };
}

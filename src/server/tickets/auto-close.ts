import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { DEFAULT_WORKFLOW } from '../../shared';
import { writeAudits, type AuditEntry } from '../audit/audit-log';
import type { Db } from '../db/schema';
import { getTicketForChange, insertHistory, saveTicket } from './ticket-store';

/** Tickets closed per transaction: a first run over years of solved tickets must not hold one for long. */
const BATCH = 200;

/** The name history shows for changes the service makes by itself. */
export const SYSTEM_ACTOR = 'Switchboard';

/**
 * Closes tickets solved at least `afterDays` ago (by the last change to solved in their history, or their last
 * update when they have none), as Zendesk does after four days: a solved ticket can still be reopened, a
 * closed one only followed up. Each close is in the ticket's history and the audit trail. Several nodes may
 * run this at once: the row lock (getTicketForChange) and the re-check under it close each ticket once.
 * Returns the departments whose replicas should pull.
 */
export async function closeSolvedTickets(
  db: Db,
  now: Date,
  afterDays: number = DEFAULT_WORKFLOW.autoCloseSolvedAfterDays,
): Promise<{ closed: number; departments: Set<string> }> {
  const cutoff = new Date(now.getTime() - afterDays * 86_400_000).toISOString();
  const departments = new Set<string>();
  let closed = 0;
  for (;;) {
    const due = await db
      .selectFrom('tickets as t')
      .select('t.id')
      .where('t.status', '=', 'solved')
      .where('t.deleted_at', 'is', null)
      .where(
        sql<string>`COALESCE((SELECT MAX(h.at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.field = 'status' AND h.to_value = 'solved'), t.updated_at)`,
        '<=',
        cutoff,
      )
      .limit(BATCH)
      .execute();
    if (due.length === 0) return { closed, departments };
    const at = now.toISOString();
    await db.transaction().execute(async (trx) => {
      const audits: AuditEntry[] = [];
      for (const { id } of due) {
        const ticket = await getTicketForChange(trx, id);
        if (!ticket || ticket.status !== 'solved') continue;
        await insertHistory(
          trx,
          {
            id: randomUUID(),
            ticketId: id,
            field: 'status',
            from: 'solved',
            to: 'closed',
            actorId: null,
            actorName: SYSTEM_ACTOR,
            at,
            note: null,
          },
          ticket.departmentId,
        );
        await saveTicket(trx, { ...ticket, status: 'closed', updatedAt: at });
        audits.push({
          at,
          actorId: null,
          action: 'ticket.auto_close',
          subjectId: id,
          detail: { afterDays, departmentId: ticket.departmentId },
        });
        departments.add(ticket.departmentId);
        closed++;
      }
      await writeAudits(trx, audits);
    });
    if (due.length < BATCH) return { closed, departments };
  }
}

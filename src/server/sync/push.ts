import { SwitchboardError, type Mutation, type MutationResult, type User } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { applyCustomerCreate } from '../customers/customer-mutations';
import type { Db, Tx } from '../db/schema';
import { applyTicketCreate } from '../tickets/create-ticket';
import { getTicket } from '../tickets/ticket-store';
import { applyTicketComment, applyTicketUpdate, TicketConflictError } from '../tickets/ticket-mutations';
import {
  applyInteractionComplete,
  applyInteractionLog,
  checkLoggable,
  type LiveCalls,
} from '../voice/interaction-mutations';

export interface PushOutcome {
  results: MutationResult[];
  /** Departments whose replicas should pull (something in them changed). */
  departments: Set<string>;
}

/**
 * Applies one mutation; returns the new version, the department whose replicas should pull, and what the
 * audit record should say beyond the mutation itself.
 */
async function run(
  trx: Tx,
  user: User,
  m: Mutation,
  now: Date,
  deviceId: string | null,
): Promise<{ version: number; departmentId: string | undefined; detail?: Record<string, unknown> }> {
  switch (m.name) {
    case 'ticket.create': {
      const { version, departmentId, number } = await applyTicketCreate(trx, user, m.args, now);
      return { version, departmentId, detail: { number } };
    }
    case 'customer.create': {
      const { version, departmentId, mergedInto } = await applyCustomerCreate(trx, user, m.args, now);
      return { version, departmentId, detail: mergedInto ? { mergedInto } : {} };
    }
    case 'ticket.update': {
      const version = await applyTicketUpdate(trx, user, m.args, now, deviceId);
      return { version, departmentId: (await getTicket(trx, m.args.ticketId))?.departmentId };
    }
    case 'ticket.comment': {
      const version = await applyTicketComment(trx, user, m.args, now);
      return { version, departmentId: (await getTicket(trx, m.args.ticketId))?.departmentId };
    }
    case 'interaction.log':
      return applyInteractionLog(trx, user, m.args);
    case 'interaction.complete':
      return applyInteractionComplete(trx, user, m.args, now);
  }
}

function auditOf(
  m: Mutation,
  error: string | undefined,
): { subjectId: string; detail: Record<string, unknown> } {
  const err = error ? { error } : {};
  switch (m.name) {
    case 'ticket.create':
      return {
        subjectId: m.args.ticketId,
        detail: {
          mutationId: m.id,
          departmentId: m.args.departmentId,
          customerId: m.args.customerId,
          interactionId: m.args.interactionId,
          ...err,
        },
      };
    // Contact details stay out of the append-only audit chain; the customer row has them.
    case 'customer.create':
      return { subjectId: m.args.customerId, detail: { mutationId: m.id, ...err } };
    case 'ticket.update':
      return { subjectId: m.args.ticketId, detail: { mutationId: m.id, patch: m.args.patch, ...err } };
    case 'ticket.comment':
      return {
        subjectId: m.args.ticketId,
        detail: { mutationId: m.id, commentId: m.args.commentId, ...err },
      };
    case 'interaction.log':
      // The call's times, not its numbers: the audit chain keeps who recorded what, not customers' data.
      return {
        subjectId: m.args.interactionId,
        detail: { mutationId: m.id, callId: m.args.callId, direction: m.args.direction, ...err },
      };
    case 'interaction.complete':
      return {
        subjectId: m.args.interactionId,
        detail: {
          mutationId: m.id,
          disposition: m.args.disposition,
          ticketId: m.args.ticketId ?? null,
          ...err,
        },
      };
  }
}

async function replay(trx: Tx, user: User, id: string): Promise<MutationResult | undefined> {
  const r = await trx.selectFrom('applied_mutations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  if (r.user_id !== user.id) {
    return {
      id,
      status: 'rejected',
      error: { code: 'conflict', message: 'This mutation id was already used by another user.' },
    };
  }
  return r.status === 'applied'
    ? { id, status: 'applied', ...(r.version !== null ? { version: r.version } : {}) }
    : { id, status: 'rejected', error: { code: r.error_code ?? 'internal', message: r.error_message ?? '' } };
}

async function record(
  trx: Tx,
  user: User,
  m: Mutation,
  r: MutationResult,
  at: Date,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await trx
    .insertInto('applied_mutations')
    .values({
      id: m.id,
      user_id: user.id,
      name: m.name,
      status: r.status,
      version: r.version ?? null,
      error_code: r.error?.code ?? null,
      error_message: r.error?.message ?? null,
      at: at.toISOString(),
    })
    .execute();
  const { subjectId, detail } = auditOf(m, r.error?.code);
  await writeAudit(trx, {
    at: at.toISOString(),
    actorId: user.id,
    action: `${m.name}.${r.status}`,
    subjectId,
    detail: { ...detail, ...extra },
  });
}

/**
 * Applies mutations in the order sent, each in its own transaction so one refusal does not undo the others.
 * Applied and refused outcomes are both remembered under the mutation id: a replay gets the same answer and
 * changes nothing. Unexpected errors are not remembered (the client may retry) and end the push.
 *
 * A logged call the voice service still holds live is ended through it first (liveCalls), outside the
 * mutation's transaction: the service writes its calls from memory.
 *
 * deviceId is the installation the push came from (PushRequest): a ticket field changed on another device
 * since a patch's base version conflicts with it even when that device is the same user's. Absent (an older
 * desktop), the push counts as one device of its own for its user.
 */
export async function applyPush(
  db: Db,
  user: User,
  mutations: Mutation[],
  now: () => Date,
  opts: { liveCalls?: LiveCalls; deviceId?: string } = {},
): Promise<PushOutcome> {
  const { liveCalls } = opts;
  const deviceId = opts.deviceId ?? null;
  const results: MutationResult[] = [];
  const departments = new Set<string>();
  for (const m of mutations) {
    const at = now();
    let result: MutationResult;
    try {
      if (m.name === 'interaction.log' && liveCalls) {
        checkLoggable(user, m.args);
        await liveCalls.endLoggedCall(user, m.args);
      }
      result = await db.transaction().execute(async (trx) => {
        const previous = await replay(trx, user, m.id);
        if (previous) return previous;
        const { version, departmentId, detail } = await run(trx, user, m, at, deviceId);
        const r: MutationResult = { id: m.id, status: 'applied', version };
        await record(trx, user, m, r, at, detail);
        if (departmentId) departments.add(departmentId);
        return r;
      });
    } catch (e) {
      if (!(e instanceof SwitchboardError)) throw e;
      // The refusal's own transaction: the failed one rolled back everything it had written.
      result = await db.transaction().execute(async (trx) => {
        const previous = await replay(trx, user, m.id);
        if (previous) return previous;
        const r: MutationResult = {
          id: m.id,
          status: 'rejected',
          error: { code: e.code, message: e.message },
        };
        await record(trx, user, m, r, at);
        // Sent with this answer only: a replay gets the code and message (the audit chain keeps the patch).
        if (e instanceof TicketConflictError) r.error!.conflicts = e.conflicts;
        return r;
      });
    }
    results.push(result);
  }
  return { results, departments };
}

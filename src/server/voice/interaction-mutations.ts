import {
  loggedCallError,
  loggedNumbers,
  mergeLoggedCall,
  recordFromLog,
  SwitchboardError,
  wrapUpCall,
  type InteractionLog,
  type Mutation,
  type User,
  supervisesAgents,
} from '../../shared';
import { inScope, scopeOf } from '../auth/scope';
import type { Tx } from '../db/schema';
import { resolveCustomerInScope } from '../customers/customer-store';
import { getTicket } from '../tickets/ticket-store';
import {
  addInteractionAlias,
  customerIdByPhone,
  getInteractionByCallId,
  getInteractionForChange,
  resolveInteractionId,
  saveInteraction,
} from './interaction-store';

type CompleteArgs = Extract<Mutation, { name: 'interaction.complete' }>['args'];

export interface InteractionOutcome {
  version: number;
  departmentId: string;
  /** For the audit record. */
  detail?: Record<string, unknown>;
}

/**
 * Calls the voice service still holds in memory (ringing or talking). Their record is written from memory,
 * so a log of one must go through the service, or the next write of the call would undo the merge.
 */
export interface LiveCalls {
  /** Ends the user's own call with the desktop's times if it is still live; otherwise does nothing. */
  endLoggedCall(user: User, log: InteractionLog): Promise<void>;
}

/**
 * The checks of `interaction.log` that need no database, made before a live call is touched: the record
 * will be the user's own, in their department.
 */
export function checkLoggable(user: User, log: InteractionLog): string {
  if (user.departmentId === null) {
    throw new SwitchboardError('forbidden', 'Only members of a department record calls.');
  }
  const why = loggedCallError(log);
  if (why) throw new SwitchboardError('bad_request', why);
  return user.departmentId;
}

/**
 * A call a desktop recorded itself (direct, outbound, or while the service was unreachable). The record is
 * always the user's own, in their department; numbers are normalised and the customer matched as routing
 * does. Idempotent by interactionId: the same log again (under any mutation id) changes nothing. A Call-ID
 * the service already recorded for this agent is merged into that record (mergeLoggedCall) and the
 * desktop's id kept as its alias; one recorded for anyone else is refused.
 */
export async function applyInteractionLog(
  trx: Tx,
  user: User,
  log: InteractionLog,
): Promise<InteractionOutcome> {
  const departmentId = checkLoggable(user, log);
  const detail = {
    ringAt: log.ringAt,
    answerAt: log.answerAt,
    endAt: log.endAt,
  };

  const knownId = await resolveInteractionId(trx, log.interactionId);
  const known = await getInteractionForChange(trx, knownId);
  if (known) {
    if (known.agentId !== user.id || known.callId !== log.callId) {
      throw new SwitchboardError('conflict', 'This call id is already used for another call.');
    }
    return { version: known.version, departmentId: known.departmentId, detail: { ...detail, replay: true } };
  }

  const recorded = await getInteractionByCallId(trx, log.callId);
  if (recorded) {
    if (recorded.agentId !== user.id) {
      throw new SwitchboardError('conflict', 'This call is recorded for another agent.');
    }
    if (recorded.departmentId !== departmentId) {
      throw new SwitchboardError('forbidden', 'This call was recorded in another department.');
    }
    await addInteractionAlias(trx, log.interactionId, recorded.id);
    const merged = mergeLoggedCall(recorded, log);
    const unchanged = (['status', 'answerAt', 'endAt', 'holdSeconds'] as const).every(
      (k) => merged[k] === recorded[k],
    );
    const version = unchanged ? recorded.version : await saveInteraction(trx, merged);
    return { version, departmentId, detail: { ...detail, mergedInto: recorded.id } };
  }

  if (log.queueNumber !== null) {
    const queue = await trx
      .selectFrom('queues')
      .select('department_id')
      .where('number', '=', log.queueNumber)
      .executeTakeFirst();
    if (queue && queue.department_id !== departmentId) {
      throw new SwitchboardError('forbidden', `Queue ${log.queueNumber} belongs to another department.`);
    }
  }
  const { customerNumber } = loggedNumbers(log);
  const customerId = customerNumber ? await customerIdByPhone(trx, customerNumber, departmentId) : null;
  const version = await saveInteraction(
    trx,
    recordFromLog(log, { departmentId, agentId: user.id, customerId }),
  );
  return { version, departmentId, detail };
}

/**
 * The agent's wrap-up of a call: disposition, notes and optionally the ticket it is about (which must be in
 * the call's department). The agent who took the call, or a supervisor/admin of its department, may complete
 * it; completing again replaces the earlier wrap-up. The call may be named by the id a desktop logged it
 * under. Returns the interaction's new version and department.
 */
export async function applyInteractionComplete(
  trx: Tx,
  user: User,
  args: CompleteArgs,
  now: Date,
): Promise<InteractionOutcome> {
  const interaction = await getInteractionForChange(trx, await resolveInteractionId(trx, args.interactionId));
  if (!interaction || !inScope(scopeOf(user), interaction.departmentId)) {
    throw new SwitchboardError('not_found', 'No such call in your department.');
  }
  if (!supervisesAgents(user.role) && interaction.agentId !== user.id) {
    throw new SwitchboardError('forbidden', 'Only the agent who took this call can wrap it up.');
  }
  if (interaction.status === 'ringing') {
    throw new SwitchboardError('conflict', 'This call has not been answered yet.');
  }
  const ticketId = args.ticketId ?? null;
  if (ticketId !== null) {
    const ticket = await getTicket(trx, ticketId);
    if (!ticket || ticket.departmentId !== interaction.departmentId) {
      throw new SwitchboardError('bad_request', "The linked ticket is not in this call's department.");
    }
  }
  const customerId = await callerToLink(trx, interaction, args.customerId ?? null);
  const version = await saveInteraction(
    trx,
    wrapUpCall(interaction, { ...args, ticketId, customerId }, now.toISOString()),
  );
  const detail = {
    ...(interaction.id !== args.interactionId ? { resolvedTo: interaction.id } : {}),
    ...(customerId !== null ? { customerLinked: customerId } : {}),
  };
  return {
    version,
    departmentId: interaction.departmentId,
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/**
 * The customer a wrap-up links a call to: only a call with no customer yet, and only a customer the call's
 * department sees (an alias resolves to the customer it was merged into). Anything else, including another
 * department's customer, is ignored rather than refused, exactly alike, so a wrap-up is never lost over its
 * link (the customer's creation may itself have been refused) and ids cannot be probed.
 */
async function callerToLink(
  trx: Tx,
  interaction: { customerId: string | null; departmentId: string },
  requested: string | null,
): Promise<string | null> {
  if (requested === null || interaction.customerId !== null) return null;
  const customer = await resolveCustomerInScope(trx, requested, {
    all: false,
    departmentId: interaction.departmentId,
  });
  return customer?.id ?? null;
}

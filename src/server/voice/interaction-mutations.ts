import { SwitchboardError, type Mutation, type User } from '../../shared';
import { inScope, scopeOf } from '../auth/scope';
import type { Tx } from '../db/schema';
import { getTicket } from '../tickets/ticket-store';
import { getInteraction, saveInteraction } from './interaction-store';

type CompleteArgs = Extract<Mutation, { name: 'interaction.complete' }>['args'];

/**
 * The agent's wrap-up of a call: disposition, notes and optionally the ticket it is about (which must be in
 * the call's department). The agent who took the call, or a supervisor/admin of its department, may complete
 * it; completing again replaces the earlier wrap-up. Returns the interaction's new version and department.
 */
export async function applyInteractionComplete(
  trx: Tx,
  user: User,
  args: CompleteArgs,
  now: Date,
): Promise<{ version: number; departmentId: string }> {
  const interaction = await getInteraction(trx, args.interactionId);
  if (!interaction || !inScope(scopeOf(user), interaction.departmentId)) {
    throw new SwitchboardError('not_found', 'No such call in your department.');
  }
  if (user.role === 'agent' && interaction.agentId !== user.id) {
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
  const version = await saveInteraction(trx, {
    ...interaction,
    disposition: args.disposition,
    notes: args.notes,
    ticketId,
    completedAt: now.toISOString(),
  });
  return { version, departmentId: interaction.departmentId };
}

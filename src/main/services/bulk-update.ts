import { v7 as uuidv7 } from 'uuid';
import { Tags, type TicketChange, type User } from '../../shared/domain';
import { rightsForChange } from '../../shared/domain/permissions';
import { transitionError } from '../../shared/domain/ticket-rules';
import type { MethodInput, MethodOutput } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { LocalStore } from '../store';
import { checkAssignee } from './not-sent-retry';
import { requireFieldValues, requireRights } from './rights';

type Input = MethodInput<'tickets.bulkUpdate'>;
type Output = MethodOutput<'tickets.bulkUpdate'>;
type Skipped = Output['skipped'][number];

/** A checked ticket the replica no longer holds (it left the department meanwhile, say): skipped. */
export const notInCopy = (id: string): Skipped => ({
  id,
  number: null,
  reason: 'notInCopy',
  message: 'This ticket is not in your local copy.',
});

/**
 * A bulk change over the replica: each ticket gets its own queued edit (offline too), checked exactly as a single
 * edit is. A ticket the change does not fit is skipped with its reason, so a supervisor closing 40 tickets is not
 * stopped by the one that is already closed, and sees which one and why.
 */
export function bulkUpdate(store: LocalStore, user: User, input: Input): Output & { touched: string[] } {
  requireRights(store, user, ['bulkEdit']);
  const { patch } = input;
  const assigneeId = patch.assigneeId === 'me' ? user.id : patch.assigneeId;
  const now = new Date().toISOString();
  const skipped: Skipped[] = [];
  const touched: string[] = [];
  let updated = 0;
  for (const id of new Set(input.ids)) {
    const ticket = store.read.getTicket(id);
    if (!ticket) {
      skipped.push(notInCopy(id));
      continue;
    }
    const skip = (reason: Skipped['reason'], message: string) =>
      skipped.push({ id, number: ticket.number, reason, message });
    const change: TicketChange = {};
    if (patch.status !== undefined && patch.status !== ticket.status) {
      const why = transitionError(ticket.status, patch.status);
      if (why) {
        skip('transition', why);
        continue;
      }
      change.status = patch.status;
    }
    if (patch.priority !== undefined && patch.priority !== ticket.priority) change.priority = patch.priority;
    if (assigneeId !== undefined && assigneeId !== ticket.assigneeId) {
      if (assigneeId !== null) {
        try {
          checkAssignee(store, assigneeId, ticket.departmentId);
        } catch (e) {
          skip('assignee', (e as Error).message);
          continue;
        }
      }
      change.assigneeId = assigneeId;
    }
    if (patch.addTags) {
      const tags = Tags.safeParse([...ticket.tags, ...patch.addTags]);
      if (!tags.success) {
        skip('tags', tags.error.issues[0]?.message ?? 'Too many tags.');
        continue;
      }
      if (JSON.stringify(tags.data) !== JSON.stringify(ticket.tags)) change.tags = tags.data;
    }
    try {
      requireRights(store, user, rightsForChange(ticket, change));
    } catch (e) {
      if (!(e instanceof SwitchboardError)) throw e;
      skip('rights', e.message);
      continue;
    }
    try {
      requireFieldValues(store, ticket, change);
    } catch (e) {
      if (!(e instanceof SwitchboardError)) throw e;
      skip('fields', e.message);
      continue;
    }
    // Already as asked: nothing to send, and nothing to skip either.
    if (Object.keys(change).length > 0) {
      store.write.updateTicketLocally(id, change, uuidv7(), now, undefined, true);
      touched.push(id);
    }
    updated++;
  }
  return { updated, skipped, touched };
}

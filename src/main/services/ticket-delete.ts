import { v7 as uuidv7 } from 'uuid';
import type { User } from '../../shared/domain';
import { rightsForDelete } from '../../shared/domain/permissions';
import type { MethodOutput } from '../../shared/ipc/contract';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { LocalStore } from '../store';
import { notInCopy } from './bulk-update';
import { requireRights } from './rights';

type Output = MethodOutput<'tickets.bulkDelete'>;
type Skipped = Output['skipped'][number];

/**
 * A ticket whose delete is queued takes no more changes: they could only be refused once the delete goes
 * through. If the server refuses the deletion, the ticket is editable again.
 */
export function refuseIfDeleting(store: LocalStore, ticketId: string): void {
  if (store.read.isDeletePending(ticketId)) {
    throw new SwitchboardError(
      'conflict',
      'This ticket is being deleted (waiting for the server). If the server refuses the deletion, the ticket comes back and you can change it again.',
    );
  }
}

/**
 * Deleting the checked tickets (a supervisor clearing spam): one queued ticket.delete each, offline too, each
 * judged by the server on its own. Needs bulkEdit (the bar is a bulk action) and delete; a ticket not here or
 * already being deleted is skipped and said why.
 */
export function bulkDelete(
  store: LocalStore,
  user: User,
  ids: readonly string[],
  reason: string | undefined,
): Output & { touched: string[] } {
  requireRights(store, user, ['bulkEdit', ...rightsForDelete()]);
  const now = new Date().toISOString();
  const skipped: Skipped[] = [];
  const touched: string[] = [];
  for (const id of new Set(ids)) {
    const ticket = store.read.getTicket(id);
    if (!ticket) {
      skipped.push(notInCopy(id));
      continue;
    }
    if (store.read.isDeletePending(id)) {
      skipped.push({
        id,
        number: ticket.number,
        reason: 'deleting',
        message: 'This ticket is already being deleted.',
      });
      continue;
    }
    store.write.deleteTicketLocally(id, uuidv7(), now, reason || undefined);
    touched.push(id);
  }
  return { updated: touched.length, skipped, touched };
}

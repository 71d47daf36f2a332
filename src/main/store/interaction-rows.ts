import type { InteractionRow } from '../../shared/ipc/contract';
import type { Interaction } from '../../shared/protocol/voice';
import {
  interactionFromColumns,
  interactionToColumns,
  type InteractionColumns,
} from '../../shared/storage/columns';

/** The replica's interactions table: the shared call columns and the desktop's own sync columns. */

export type InteractionDbRow = InteractionColumns & { provisional: number; server_base: string | null };

export const interactionToDb = (
  i: Interaction,
  sync: { provisional: boolean; serverBase: string | null },
): InteractionDbRow => ({
  ...interactionToColumns(i),
  provisional: sync.provisional ? 1 : 0,
  server_base: sync.serverBase,
});

export type InteractionListDbRow = InteractionDbRow & { pending: number };

export const interactionRowFromDb = (r: InteractionListDbRow): InteractionRow => ({
  ...interactionFromColumns(r),
  syncState: r.pending ? 'pending' : 'synced',
});

/** Columns of an interactions row, for the insert statement. */
export const INTERACTION_COLUMNS = [
  'id',
  'call_id',
  'direction',
  'caller_number',
  'callee_number',
  'queue_number',
  'department_id',
  'agent_id',
  'customer_id',
  'status',
  'ring_at',
  'answer_at',
  'end_at',
  'hold_seconds',
  'disposition',
  'notes',
  'ticket_id',
  'completed_at',
  'version',
  'provisional',
  'server_base',
] as const;

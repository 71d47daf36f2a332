import type { InteractionRow } from '../../shared/ipc/contract';
import type { Interaction } from '../../shared/protocol/voice';

/** The interactions table as SQLite returns it, and the mapping to the shared types. */

export interface InteractionDbRow {
  id: string;
  call_id: string;
  direction: Interaction['direction'];
  caller_number: string;
  callee_number: string;
  queue_number: string | null;
  department_id: string;
  agent_id: string | null;
  customer_id: string | null;
  status: Interaction['status'];
  ring_at: string;
  answer_at: string | null;
  end_at: string | null;
  hold_seconds: number;
  disposition: string | null;
  notes: string | null;
  ticket_id: string | null;
  completed_at: string | null;
  version: number;
  provisional: number;
  server_base: string | null;
}

export const interactionFromDb = (r: InteractionDbRow): Interaction => ({
  id: r.id,
  callId: r.call_id,
  direction: r.direction,
  callerNumber: r.caller_number,
  calleeNumber: r.callee_number,
  queueNumber: r.queue_number,
  departmentId: r.department_id,
  agentId: r.agent_id,
  customerId: r.customer_id,
  status: r.status,
  ringAt: r.ring_at,
  answerAt: r.answer_at,
  endAt: r.end_at,
  holdSeconds: r.hold_seconds,
  disposition: r.disposition,
  notes: r.notes,
  ticketId: r.ticket_id,
  completedAt: r.completed_at,
  version: r.version,
});

export const interactionToDb = (
  i: Interaction,
  sync: { provisional: boolean; serverBase: string | null },
): InteractionDbRow => ({
  id: i.id,
  call_id: i.callId,
  direction: i.direction,
  caller_number: i.callerNumber,
  callee_number: i.calleeNumber,
  queue_number: i.queueNumber,
  department_id: i.departmentId,
  agent_id: i.agentId,
  customer_id: i.customerId,
  status: i.status,
  ring_at: i.ringAt,
  answer_at: i.answerAt,
  end_at: i.endAt,
  hold_seconds: i.holdSeconds,
  disposition: i.disposition,
  notes: i.notes,
  ticket_id: i.ticketId,
  completed_at: i.completedAt,
  version: i.version,
  provisional: sync.provisional ? 1 : 0,
  server_base: sync.serverBase,
});

export type InteractionListDbRow = InteractionDbRow & { pending: number };

export const interactionRowFromDb = (r: InteractionListDbRow): InteractionRow => ({
  ...interactionFromDb(r),
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

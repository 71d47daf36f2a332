import { randomUUID } from 'node:crypto';
import {
  SwitchboardError,
  transitionError,
  type FieldConflict,
  type Mutation,
  type Ticket,
  type TicketPatch,
  type User,
} from '../../shared';
import { inScope, scopeOf } from '../auth/scope';
import type { Tx } from '../db/schema';
import { getUserRow } from '../directory/directory-store';
import {
  commentExists,
  getTicket,
  insertComment,
  insertHistory,
  lastFieldChangeSince,
  saveTicket,
} from './ticket-store';

type UpdateArgs = Extract<Mutation, { name: 'ticket.update' }>['args'];
type CommentArgs = Extract<Mutation, { name: 'ticket.comment' }>['args'];
type Field = keyof TicketPatch;

const FIELDS: readonly Field[] = ['subject', 'status', 'priority', 'assigneeId'];

/** The ticket if the user's scope holds it. Another department's ticket is refused exactly as a missing one. */
export async function ticketInScope(trx: Tx, user: User, ticketId: string): Promise<Ticket> {
  const ticket = await getTicket(trx, ticketId);
  if (!ticket || !inScope(scopeOf(user), ticket.departmentId)) {
    throw new SwitchboardError('not_found', 'No such ticket in your department.');
  }
  return ticket;
}

const asText = (v: string | null | undefined): string | null => v ?? null;

/** A refused ticket.update that collided with someone else's change; push answers with the fields. */
export class TicketConflictError extends SwitchboardError {
  constructor(
    message: string,
    readonly conflicts: FieldConflict[],
  ) {
    super('conflict', message);
  }
}

/**
 * Applies a ticket patch, merging field by field against what others changed since the client's base version.
 * A field someone else set to a different value meanwhile is a conflict, and the whole patch is refused (never
 * half-applied) so the agent sees both values and decides. Returns the ticket's version after the change.
 *
 * "Someone else" is another device, not only another user (deviceId: the installation the push came from,
 * null for a desktop too old to say): an agent signed in on two desktops who changes one field on both while
 * offline gets a conflict on the second, as two agents would, instead of the last push silently winning.
 */
export async function applyTicketUpdate(
  trx: Tx,
  user: User,
  args: UpdateArgs,
  now: Date,
  deviceId: string | null = null,
): Promise<number> {
  return (await updateTicket(trx, user, args, now, deviceId)).version;
}

/** applyTicketUpdate, also saying the ticket's department (a push pokes it) without reading the ticket again. */
export async function updateTicket(
  trx: Tx,
  user: User,
  args: UpdateArgs,
  now: Date,
  deviceId: string | null,
): Promise<{ version: number; departmentId: string }> {
  const ticket = await ticketInScope(trx, user, args.ticketId);
  const changed = FIELDS.filter((f) => args.patch[f] !== undefined && args.patch[f] !== ticket[f]);

  const conflicts: FieldConflict[] = [];
  for (const field of changed) {
    const theirs = await lastFieldChangeSince(trx, ticket.id, field, args.baseVersion, {
      actorId: user.id,
      deviceId,
    });
    if (theirs && theirs.to !== asText(args.patch[field])) {
      conflicts.push({
        field,
        // What stands on the server now, which may be later than the change that collided.
        theirs: asText(ticket[field]),
        changedById: theirs.actorId,
        changedByName: theirs.actorName,
        changedAt: theirs.at,
      });
    }
  }
  if (conflicts.length > 0) {
    const said = conflicts.map((c) =>
      c.changedById === user.id
        ? `you changed ${c.field} to "${c.theirs ?? 'nobody'}" on another device`
        : `${c.changedByName} changed ${c.field} to "${c.theirs ?? 'nobody'}"`,
    );
    throw new TicketConflictError(
      `Your change was not applied: ${said.join('; ')} in the meantime.`,
      conflicts,
    );
  }

  if (args.patch.status !== undefined) {
    const err = transitionError(ticket.status, args.patch.status);
    if (err) throw new SwitchboardError('conflict', err);
  }
  if (args.patch.assigneeId) {
    const assignee = await getUserRow(trx, args.patch.assigneeId);
    if (!assignee || assignee.disabled) {
      throw new SwitchboardError('bad_request', 'The assignee is not an active user.');
    }
    if (assignee.department_id !== ticket.departmentId) {
      throw new SwitchboardError(
        'bad_request',
        `${assignee.display_name} is not in this ticket's department.`,
      );
    }
  }

  // Nothing differs from the server's state: the edit is already true, so accept it without a new version.
  if (changed.length === 0) return { version: ticket.version, departmentId: ticket.departmentId };

  const at = now.toISOString();
  const next: Ticket = { ...ticket, updatedAt: at };
  for (const field of changed) {
    await insertHistory(
      trx,
      {
        id: randomUUID(),
        ticketId: ticket.id,
        field,
        from: asText(ticket[field]),
        to: asText(args.patch[field]),
        actorId: user.id,
        actorName: user.displayName,
        at,
      },
      ticket.departmentId,
      deviceId,
    );
    Object.assign(next, { [field]: args.patch[field] });
  }
  return { version: await saveTicket(trx, next), departmentId: ticket.departmentId };
}

/** Adds a comment under the client's comment id. Closed tickets take no more comments (open a follow-up). */
export async function applyTicketComment(trx: Tx, user: User, args: CommentArgs, now: Date): Promise<number> {
  return (await commentTicket(trx, user, args, now)).version;
}

/** applyTicketComment, also saying the ticket's department. */
export async function commentTicket(
  trx: Tx,
  user: User,
  args: CommentArgs,
  now: Date,
): Promise<{ version: number; departmentId: string }> {
  const ticket = await ticketInScope(trx, user, args.ticketId);
  if (ticket.status === 'closed') {
    throw new SwitchboardError('conflict', 'This ticket is closed; open a follow-up ticket instead.');
  }
  if (await commentExists(trx, args.commentId)) {
    throw new SwitchboardError('conflict', 'A comment with this id already exists.');
  }
  const version = await insertComment(
    trx,
    {
      id: args.commentId,
      ticketId: ticket.id,
      authorId: user.id,
      authorName: user.displayName,
      body: args.body,
      internal: args.internal,
      createdAt: now.toISOString(),
    },
    ticket.departmentId,
  );
  return { version, departmentId: ticket.departmentId };
}

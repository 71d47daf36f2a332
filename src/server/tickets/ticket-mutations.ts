import { randomUUID } from 'node:crypto';
import {
  CHANGEABLE_FIELDS,
  customFieldIssues,
  fieldText,
  rightsForChange,
  SwitchboardError,
  withoutEmpty,
  transferError,
  transitionError,
  type FieldConflict,
  type Mutation,
  type Ticket,
  type User,
} from '../../shared';
import { customFieldsOf } from '../admin/admin-store';
import { requireRights } from '../auth/rights';
import { inScope, scopeOf } from '../auth/scope';
import type { Tx } from '../db/schema';
import { getDepartment, getUserRow } from '../directory/directory-store';
// Intake (issue 13): messaging replies.
import { queueMessagingReply } from '../intake/outbound';
import { applyLinks, checkLinks, refuseRemerge, withMergeClose } from './ticket-links';
import { republishTo } from './move-ticket';
import { queueEmailReply } from '../email/outbox'; // email (issue 13)
import { reviewByChange } from '../triage/corrections'; // triage (issue 15)
import {
  commentExists,
  deletedError,
  deletedTicket,
  getTicketForChange,
  insertComment,
  insertHistory,
  lastFieldChangeSince,
  saveTicket,
} from './ticket-store';

type UpdateArgs = Extract<Mutation, { name: 'ticket.update' }>['args'];
type CommentArgs = Extract<Mutation, { name: 'ticket.comment' }>['args'];
type Field = (typeof CHANGEABLE_FIELDS)[number];

/**
 * The ticket if the user's scope holds it, locked for the caller's change (getTicketForChange). Another
 * department's ticket is refused exactly as a missing one.
 */
export async function ticketInScope(trx: Tx, user: User, ticketId: string): Promise<Ticket> {
  const ticket = await getTicketForChange(trx, ticketId);
  if (!ticket || !inScope(scopeOf(user), ticket.departmentId)) {
    // A deleted ticket of the user's own scope is said to be deleted (a change queued offline meets it
    // later); another department's stays indistinguishable from a missing one.
    const deleted = ticket ? undefined : await deletedTicket(trx, ticketId);
    if (deleted && inScope(scopeOf(user), deleted.departmentId)) throw deletedError(deleted);
    throw new SwitchboardError('not_found', 'No such ticket in your department.');
  }
  return ticket;
}

const asText = fieldText;

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
): Promise<{ version: number; departmentId: string; from?: string; also?: string[] }> {
  const ticket = await ticketInScope(trx, user, args.ticketId);
  await refuseRemerge(trx, user, ticket, args.patch);
  // An empty custom field is absent, whatever the desktop sent for it.
  const patch = withMergeClose(
    args.patch.fields ? { ...args.patch, fields: withoutEmpty(args.patch.fields) } : args.patch,
  );
  // Field-level rights first: a refused change says whom to ask, whatever else it collides with.
  await requireRights(trx, user, [
    ...rightsForChange(ticket, patch),
    ...(args.bulk ? (['bulkEdit'] as const) : []),
  ]);
  const changed = CHANGEABLE_FIELDS.filter(
    (f) => patch[f] !== undefined && fieldText(patch[f]) !== fieldText(ticket[f]),
  );

  const conflicts: FieldConflict[] = [];
  // Every field change saves the ticket (its version is its newest history's or later), so a ticket unchanged
  // since the client's base has no concurrent edit to find: most of an offline replay is such edits.
  const touchedSince = ticket.version > args.baseVersion;
  for (const field of touchedSince ? changed : []) {
    const theirs = await lastFieldChangeSince(trx, ticket.id, field, args.baseVersion, {
      actorId: user.id,
      deviceId,
    });
    if (theirs && theirs.to !== asText(patch[field])) {
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

  if (patch.status !== undefined) {
    const err = transitionError(ticket.status, patch.status);
    if (err) throw new SwitchboardError('conflict', err);
  }
  const transferWhy = transferError(ticket, patch, args.reason);
  if (transferWhy) throw new SwitchboardError('bad_request', transferWhy);
  const target = changed.includes('departmentId') ? patch.departmentId! : ticket.departmentId;
  if (target !== ticket.departmentId && !(await getDepartment(trx, target))) {
    throw new SwitchboardError('bad_request', 'The department to transfer to does not exist.');
  }
  if (patch.assigneeId) {
    const assignee = await getUserRow(trx, patch.assigneeId);
    if (!assignee || assignee.disabled) {
      throw new SwitchboardError('bad_request', 'The assignee is not an active user.');
    }
    if (assignee.department_id !== target) {
      throw new SwitchboardError(
        'bad_request',
        `${assignee.display_name} is not in this ticket's department.`,
      );
    }
  }

  // A merge closes the ticket whatever fields it lacks: the work goes on in the ticket merged into.
  const closingAs =
    changed.includes('status') &&
    !changed.includes('mergedInto') &&
    (patch.status === 'solved' || patch.status === 'closed')
      ? patch.status
      : null;
  if (changed.includes('fields') || closingAs) {
    const issues = customFieldIssues(
      await customFieldsOf(trx, target),
      target,
      ticket.fields,
      patch.fields ?? ticket.fields,
      closingAs,
    );
    if (issues.length > 0) throw new SwitchboardError('bad_request', issues.map((i) => i.message).join(' '));
  }

  const links = await checkLinks(trx, user, ticket, patch, changed);

  // Triage (issue 15): a person changing (or restating) category, department or priority reviews the prediction.
  const triage = await reviewByChange(trx, user, ticket, patch, changed, now, deviceId);

  // Nothing differs from the server's state: the edit is already true, so accept it without a new version.
  if (changed.length === 0 && triage === ticket.triage) {
    return { version: ticket.version, departmentId: ticket.departmentId };
  }

  const at = now.toISOString();
  const next: Ticket = { ...ticket, triage, updatedAt: at };
  const moving = target !== ticket.departmentId;
  // A transfer clears the assignee (they belong to the old department) unless the patch names a new one,
  // and a hand-back request left over from an earlier transfer, unless the patch sets one.
  if (moving && patch.assigneeId === undefined && ticket.assigneeId !== null) changed.push('assigneeId');
  if (moving && patch.handBackTo === undefined && ticket.handBackTo !== null) changed.push('handBackTo');
  // A field in `changed` is in the patch, or one the transfer clears.
  const valueOf = (field: Field) => patch[field] ?? null;
  // History goes where the ticket will be: a moved ticket's old department no longer sees it.
  if (moving) await republishTo(trx, ticket, target);
  for (const field of changed) {
    await insertHistory(
      trx,
      {
        id: randomUUID(),
        ticketId: ticket.id,
        field,
        from: asText(ticket[field]),
        to: asText(valueOf(field)),
        actorId: user.id,
        actorName: user.displayName,
        at,
        note: field === 'departmentId' || field === 'mergedInto' ? args.reason?.trim() || null : null,
      },
      target,
      deviceId,
    );
    Object.assign(next, { [field]: valueOf(field) });
  }
  // The department whose replicas should pull: the new one; the old one's learn of the remove through the
  // change stream (the push pokes it too, see push.ts, where `from` is kept).
  const version = await saveTicket(trx, next);
  const also = await applyLinks(trx, user, ticket, next, links, args.reason ?? null, at, deviceId);
  return {
    version,
    departmentId: target,
    ...(moving ? { from: ticket.departmentId } : {}),
    ...(also.length > 0 ? { also } : {}),
  };
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
  if (args.internal) await requireRights(trx, user, ['seeInternalNotes']);
  if (ticket.status === 'closed') {
    throw new SwitchboardError('conflict', 'This ticket is closed; open a follow-up ticket instead.');
  }
  if (await commentExists(trx, args.commentId)) {
    throw new SwitchboardError('conflict', 'A comment with this id already exists.');
  }
  // email (issue 13): a public reply on an email ticket goes to the customer by mail (queued, sent after commit).
  const delivery =
    ticket.channel === 'email' && !args.internal
      ? await queueEmailReply(trx, ticket, { id: args.commentId, body: args.body }, now)
      : null;
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
      delivery,
    },
    ticket.departmentId,
  );
  // Intake (issue 13): a public reply on a ticket from a messaging channel is queued to go out there, in this
  // transaction (src/server/intake/outbound.ts).
  await queueMessagingReply(
    trx,
    ticket,
    { id: args.commentId, body: args.body, internal: args.internal },
    now,
  );
  return { version, departmentId: ticket.departmentId };
}

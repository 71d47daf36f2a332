import { randomUUID } from 'node:crypto';
import {
  fieldText,
  MAX_RELATED,
  mergeError,
  parentCycleError,
  parentError,
  relatedError,
  SwitchboardError,
  ticketRef,
  type Ticket,
  type TicketChange,
  type User,
} from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { inScope, scopeOf } from '../auth/scope';
import type { Tx } from '../db/schema';
import {
  getTicket,
  getTicketForChange,
  insertComment,
  insertHistory,
  listComments,
  saveTicket,
} from './ticket-store';

/** What checkLinks found that applyLinks needs: the ticket merged into, locked for the change. */
export interface LinkPlan {
  mergeTarget?: Ticket;
}

/** A ticket the user may see, or undefined as if it did not exist (another department's is not revealed). */
async function visible(trx: Tx, user: User, id: string, lock = false): Promise<Ticket | undefined> {
  const t = lock ? await getTicketForChange(trx, id) : await getTicket(trx, id);
  return t && inScope(scopeOf(user), t.departmentId) ? t : undefined;
}

/**
 * A merged ticket stays merged: a later change of mergedInto (another merge, made offline or on another desktop,
 * or an undo) is refused saying where the ticket went, before any conflict is reported in less useful words.
 */
export async function refuseRemerge(trx: Tx, user: User, ticket: Ticket, patch: TicketChange): Promise<void> {
  if (ticket.mergedInto === null || patch.mergedInto === undefined || patch.mergedInto === ticket.mergedInto)
    return;
  const target = await visible(trx, user, ticket.mergedInto);
  const where = target
    ? `${ticketRef(target)} «${target.subject}»; open ${ticketRef(target)} to work on it`
    : 'a ticket of another department';
  throw new SwitchboardError(
    'conflict',
    `Ticket ${ticketRef(ticket)} was already merged into ${where}. A merge cannot be changed or undone.`,
  );
}

/** A merge closes the ticket merged away (so the close right applies to it, as to closing it by hand). */
export function withMergeClose(patch: TicketChange): TicketChange {
  return patch.mergedInto ? { ...patch, status: 'closed' } : patch;
}

/** Refuses a parent, related set or merge target the user may not use; changed: the fields that differ. */
export async function checkLinks(
  trx: Tx,
  user: User,
  ticket: Ticket,
  patch: TicketChange,
  changed: readonly string[],
): Promise<LinkPlan> {
  if (changed.includes('parentId') && patch.parentId) {
    const why = parentError(ticket, patch.parentId);
    if (why) throw new SwitchboardError('bad_request', why);
    const parent = await visible(trx, user, patch.parentId);
    if (!parent) {
      throw new SwitchboardError(
        'not_found',
        'The ticket chosen as parent is not among your department’s tickets; pick one you can open.',
      );
    }
    // Up from the parent: meeting this ticket means the parent is below it. Any department's tickets count,
    // as the cycle would be there whoever can see it; `seen` ends a walk through a cycle already stored.
    const seen = new Set<string>();
    for (let cur = parent.parentId; cur !== null && !seen.has(cur);) {
      if (cur === ticket.id) throw new SwitchboardError('bad_request', parentCycleError(parent));
      seen.add(cur);
      const up = await trx.selectFrom('tickets').select('parent_id').where('id', '=', cur).executeTakeFirst();
      cur = up?.parent_id ?? null;
    }
  }
  if (changed.includes('relatedIds') && patch.relatedIds) {
    const why = relatedError(ticket, patch.relatedIds);
    if (why) throw new SwitchboardError('bad_request', why);
    for (const id of patch.relatedIds.filter((x) => !ticket.relatedIds.includes(x))) {
      const other = await visible(trx, user, id);
      if (!other) {
        throw new SwitchboardError(
          'not_found',
          'A ticket to relate is not among your department’s tickets; pick tickets you can open.',
        );
      }
      if (!other.relatedIds.includes(ticket.id) && other.relatedIds.length >= MAX_RELATED) {
        throw new SwitchboardError(
          'bad_request',
          `Ticket ${ticketRef(other)} already has ${MAX_RELATED} related tickets; remove one there first.`,
        );
      }
    }
  }
  if (changed.includes('mergedInto') && patch.mergedInto) {
    const target = await visible(trx, user, patch.mergedInto, true);
    if (!target) {
      throw new SwitchboardError(
        'not_found',
        'The ticket to merge into is not among your department’s tickets; pick one you can open.',
      );
    }
    const why = mergeError(ticket, target);
    if (why) throw new SwitchboardError('conflict', why);
    return { mergeTarget: target };
  }
  return {};
}

/** Comment bodies are at most 20,000 characters everywhere (TicketComment). */
const BODY_MAX = 20_000;
const clip = (s: string) => (s.length <= BODY_MAX ? s : `${s.slice(0, BODY_MAX - 1)}…`);

/**
 * What a link change does beyond the ticket itself, in the same transaction: the reverse related link on each
 * ticket added or removed that the user may see (its own history entry and version, so that ticket's
 * department pulls it), and a merge's comments, history and audit record. Returns the departments touched.
 */
export async function applyLinks(
  trx: Tx,
  user: User,
  before: Ticket,
  after: Ticket,
  plan: LinkPlan,
  note: string | null,
  at: string,
  deviceId: string | null,
): Promise<string[]> {
  const departments = new Set<string>();
  const added = after.relatedIds.filter((x) => !before.relatedIds.includes(x));
  const removed = before.relatedIds.filter((x) => !after.relatedIds.includes(x));
  for (const id of [...added, ...removed]) {
    const other = await visible(trx, user, id, true);
    if (!other) continue;
    const next = added.includes(id)
      ? [...new Set([...other.relatedIds, before.id])].sort()
      : other.relatedIds.filter((x) => x !== before.id);
    if (fieldText(next) === fieldText(other.relatedIds)) continue;
    await insertHistory(
      trx,
      {
        id: randomUUID(),
        ticketId: other.id,
        field: 'relatedIds',
        from: fieldText(other.relatedIds),
        to: fieldText(next),
        actorId: user.id,
        actorName: user.displayName,
        at,
        note: null,
      },
      other.departmentId,
      deviceId,
    );
    await saveTicket(trx, { ...other, relatedIds: next, updatedAt: at });
    departments.add(other.departmentId);
  }
  if (plan.mergeTarget) {
    await recordMerge(trx, user, after, plan.mergeTarget, note, at);
    departments.add(plan.mergeTarget.departmentId);
  }
  return [...departments];
}

/**
 * The target keeps the customer's words (the source's description and public replies) in an internal note,
 * and gets a history entry; the source gets a note pointing to the target. The source's own history and
 * comments stay where they are. Both notes read in both languages: they are written once for every agent.
 */
async function recordMerge(
  trx: Tx,
  user: User,
  source: Ticket,
  target: Ticket,
  note: string | null,
  at: string,
) {
  const src = `${ticketRef(source)} «${source.subject}»`;
  const dst = `${ticketRef(target)} «${target.subject}»`;
  const publicReplies = (await listComments(trx, source.id)).filter((c) => !c.internal);
  const why = note?.trim() ? [`Note / 备注: ${note.trim()}`, ''] : [];
  const intoTarget = [
    `Ticket ${src} was merged into this ticket by ${user.displayName}.`,
    `工单 ${src} 已由 ${user.displayName} 合并到此工单。`,
    '',
    ...why,
    'Description / 描述:',
    source.description.trim() || '—',
    ...publicReplies.flatMap((c) => ['', `${c.authorName} (${c.createdAt}):`, c.body]),
  ].join('\n');
  const intoSource = [
    `This ticket was merged into ${dst} by ${user.displayName}; continue there.`,
    `此工单已由 ${user.displayName} 合并到 ${dst}，请在该工单继续处理。`,
    ...(why.length > 0 ? ['', why[0]!] : []),
  ].join('\n');
  const comment = (ticketId: string, body: string) => ({
    id: randomUUID(),
    ticketId,
    authorId: user.id,
    authorName: user.displayName,
    body: clip(body),
    internal: true,
    createdAt: at,
  });
  await insertComment(trx, comment(target.id, intoTarget), target.departmentId);
  await insertComment(trx, comment(source.id, intoSource), source.departmentId);
  await insertHistory(
    trx,
    {
      id: randomUUID(),
      ticketId: target.id,
      field: 'mergedFrom',
      from: null,
      to: source.id,
      actorId: user.id,
      actorName: user.displayName,
      at,
      note: note?.trim() || null,
    },
    target.departmentId,
  );
  await saveTicket(trx, { ...target, updatedAt: at });
  await writeAudit(trx, {
    at,
    actorId: user.id,
    action: 'ticket.merge',
    subjectId: source.id,
    detail: {
      sourceNumber: source.number,
      targetId: target.id,
      targetNumber: target.number,
      before: { mergedInto: null },
      after: { mergedInto: target.id, status: 'closed' },
    },
  });
}

import type { AddressObject, ParsedMail } from 'mailparser';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { CommentAttachment, Ticket } from '../../shared';
import type { AttachmentStore, IncomingFile } from '../attachments/attachment-store';
import { refusal } from '../attachments/attachment-store';
import { writeAudit } from '../audit/audit-log';
import { customerForContact } from '../customers/identity';
import type { Db, Tx } from '../db/schema';
import { refreshTicketSla } from '../sla/sla-store';
import {
  getTicketForChange,
  insertComment,
  insertHistory,
  insertTicket,
  nextTicketNumber,
  saveTicket,
} from '../tickets/ticket-store';
import { triageDraft, type TicketDraft } from '../triage/triage-ticket';
import { automaticMailReason } from './loop-guard';
import { mailboxOf, type Mailbox } from './mailbox-store';

export interface IntakeDeps {
  db: Db;
  attachments: AttachmentStore;
  now: () => Date;
  log: (line: string) => void;
  poke: (departmentIds: string[]) => void;
  /** More than `mails` from one sender within `seconds` are dropped as a loop. Default 20 in 600 s. */
  senderWindow: { mails: number; seconds: number };
}

export type IntakeOutcome =
  | { outcome: 'ticket' | 'threaded'; ticketId: string; ticketNumber: number; commentId: string | null }
  | { outcome: 'dropped'; reason: string }
  | { outcome: 'duplicate' };

/** A mail refused as a whole: the listener answers `code` with the message, and nothing is recorded. */
export class RefusedMail extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const Address = z.email();
const TOKEN = /\[#(\d{1,9})\]/;
/** Text as both stores keep it: PostgreSQL refuses NUL in text, which a mail may carry anywhere. */
const clean = (s: string): string => s.replaceAll('\u0000', '');
const MAX_BODY = 20000;
/** As many files as a comment carries (TicketComment.attachments). */
const MAX_FILES = 50;

export function firstAddress(a: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const o of list)
    for (const v of o.value) {
      const address = v.address?.trim().toLowerCase();
      if (address && Address.safeParse(address).success) return { address, name: clean(v.name ?? '').trim() };
    }
  return undefined;
}

/** Message-IDs this mail answers: In-Reply-To, then References newest first. */
function answeredIds(mail: ParsedMail): string[] {
  const refs =
    mail.references === undefined ? [] : Array.isArray(mail.references) ? mail.references : [mail.references];
  const ids = [mail.inReplyTo, ...refs.reverse()].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  return [...new Set(ids.map((x) => clean(x).trim()))].slice(0, 50);
}

const bodyOf = (mail: ParsedMail): string =>
  clean(mail.text ?? '')
    .replace(/\r\n/g, '\n')
    .trim()
    .slice(0, MAX_BODY);

/**
 * Takes one mail for `mailbox`: a new ticket (channel email) for the one customer of the sender, or a customer's
 * comment on the ticket it answers (by Message-ID, then by the "[#number]" token of the subject when the sender is
 * that ticket's customer). Auto-replies, loops and repeats are recorded and dropped. Every mail is kept in
 * email_messages (so later replies thread) with an audit record, in one transaction with what it changed.
 */
export async function takeMail(
  deps: IntakeDeps,
  mail: ParsedMail,
  envelope: { from: string | null; mailbox: Mailbox },
): Promise<IntakeOutcome> {
  const from = firstAddress(mail.from);
  if (!from)
    throw new RefusedMail(550, '5.6.0 Malformed mail: it has no valid From address. Nothing was recorded.');
  const { mailbox } = envelope;
  const now = deps.now();
  const at = now.toISOString();
  const messageId =
    clean(mail.messageId ?? '')
      .trim()
      .slice(0, 998) || `<${uuidv7()}@no-message-id.invalid>`;
  const subject = clean(mail.subject ?? '')
    .replace(/\s+/g, ' ')
    .trim();

  const seen = await deps.db
    .selectFrom('email_messages')
    .select('id')
    .where('message_id', '=', messageId)
    .where('direction', '=', 'in')
    .executeTakeFirst();
  // A sender retrying a delivery we already took (its connection dropped before our answer): taken once.
  if (seen && mail.messageId?.trim()) return { outcome: 'duplicate' };

  const since = new Date(now.getTime() - deps.senderWindow.seconds * 1000).toISOString();
  const recent = await deps.db
    .selectFrom('email_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('from_address', '=', from.address)
    .where('direction', '=', 'in')
    .where('at', '>', since)
    .executeTakeFirst();
  const reason =
    ((await mailboxOf(deps.db, from.address)) && 'sent from one of our own support mailboxes') ||
    automaticMailReason(mail, envelope.from) ||
    (Number(recent?.n ?? 0) >= deps.senderWindow.mails
      ? `more than ${deps.senderWindow.mails} mails from this sender within ${deps.senderWindow.seconds} s`
      : null);
  const record = (
    trx: Tx,
    r: { ticketId: string | null; commentId: string | null; outcome: string; reason: string | null },
  ) =>
    trx
      .insertInto('email_messages')
      .values({
        id: uuidv7(),
        message_id: messageId,
        direction: 'in',
        mailbox: mailbox.address,
        from_address: from.address,
        to_address: mailbox.address,
        subject: subject.slice(0, 300),
        ticket_id: r.ticketId,
        comment_id: r.commentId,
        outcome: r.outcome,
        reason: r.reason,
        at,
      })
      .execute();

  if (reason) {
    await deps.db.transaction().execute(async (trx) => {
      await record(trx, { ticketId: null, commentId: null, outcome: 'dropped', reason });
      await writeAudit(trx, {
        at,
        actorId: null,
        source: 'smtp',
        action: 'email.dropped',
        subjectId: null,
        detail: { messageId, mailbox: mailbox.address, reason },
      });
    });
    deps.log(`Email ${messageId} to ${mailbox.address} not taken: ${reason}.`);
    return { outcome: 'dropped', reason };
  }

  const files: IncomingFile[] = mail.attachments
    .filter((a) => a.contentDisposition !== 'inline' || !a.related)
    .map((a) => ({
      fileName: clean(a.filename ?? 'attachment'),
      contentType: clean(a.contentType),
      content: a.content,
    }));
  const written: string[] = [];
  try {
    const result = await deps.db.transaction().execute(async (trx) => {
      const { customer } = await customerForContact(
        trx,
        { name: from.name || null, email: from.address },
        mailbox.departmentId,
        now,
      );
      let ticket = await threadedTicket(trx, mail, subject, customer.id, mailbox.departmentId);
      // A closed ticket takes no more comments (as for agents): the answer opens a new one.
      if (ticket?.status === 'closed') ticket = undefined;
      // The name the mail gives, else the customer's as the service knows them (a bare address says little).
      const author = from.name || customer.name || from.address;
      const refused: string[] = [];
      const kept: CommentAttachment[] = [];
      const commentId = uuidv7();
      const keep = async (ticketId: string) => {
        for (const f of files) {
          const why =
            kept.length >= MAX_FILES
              ? `${f.fileName} was not kept: at most ${MAX_FILES} files are kept from one mail.`
              : refusal(f, deps.attachments.limits);
          if (why) {
            refused.push(why);
            deps.log(`Email ${messageId}: ${why}`);
            continue;
          }
          const meta = await deps.attachments.save(trx, f, { ticketId, commentId, source: 'email', at });
          written.push(meta.id);
          kept.push(meta);
        }
      };
      const notes = () => (refused.length > 0 ? `\n\n${refused.map((r) => `[${r}]`).join('\n')}` : '');

      let outcome: 'ticket' | 'threaded';
      let comment: string | null = null;
      if (ticket) {
        outcome = 'threaded';
        await keep(ticket.id);
        const body = (bodyOf(mail) || kept.map((k) => k.fileName).join('\n') || subject || '-') + notes();
        await insertComment(
          trx,
          {
            id: commentId,
            ticketId: ticket.id,
            authorId: null,
            authorName: author.slice(0, 200),
            body: body.slice(0, MAX_BODY),
            internal: false,
            createdAt: at,
            fromCustomer: true,
            delivery: null,
            attachments: kept,
          },
          ticket.departmentId,
        );
        comment = commentId;
        // The customer answered: a ticket waiting on them, or solved, is theirs to look at again.
        const next = ticket.status === 'pending' ? 'open' : ticket.status === 'solved' ? 'reopened' : null;
        if (next) {
          await saveTicket(trx, { ...ticket, status: next, updatedAt: at });
          await insertHistory(
            trx,
            {
              id: uuidv7(),
              ticketId: ticket.id,
              field: 'status',
              from: ticket.status,
              to: next,
              actorId: null,
              actorName: author.slice(0, 200),
              at,
              note: null,
            },
            ticket.departmentId,
          );
        }
      } else {
        outcome = 'ticket';
        const id = uuidv7();
        const number = await nextTicketNumber(trx);
        await keep(id);
        const t: TicketDraft = {
          id,
          number,
          departmentId: mailbox.departmentId,
          customerId: customer.id,
          subject: (subject || bodyOf(mail).split('\n')[0] || from.address).slice(0, 300),
          description: ((bodyOf(mail) || '') + notes()).trim().slice(0, MAX_BODY),
          status: 'new',
          priority: 'normal',
          assigneeId: null,
          handBackTo: null,
          channel: 'email',
          tags: [],
          fields: {},
          parentId: null,
          relatedIds: [],
          mergedInto: null,
          createdAt: at,
          updatedAt: at,
        };
        // Triage (issue 15): a mail arrives with no department, priority or category decided by a person.
        const triaged = await triageDraft(trx, t, { department: false, priority: false }, now);
        await insertTicket(trx, triaged);
        await insertHistory(
          trx,
          {
            id: uuidv7(),
            ticketId: id,
            field: 'created',
            from: null,
            to: String(number),
            actorId: null,
            actorName: author.slice(0, 200),
            at,
            note: null,
          },
          triaged.departmentId,
        );
        // The first mail is the description; its files hang on a customer's comment that names them.
        if (kept.length > 0) {
          await insertComment(
            trx,
            {
              id: commentId,
              ticketId: id,
              authorId: null,
              authorName: author.slice(0, 200),
              body: kept.map((k) => k.fileName).join('\n'),
              internal: false,
              createdAt: at,
              fromCustomer: true,
              delivery: null,
              attachments: kept,
            },
            triaged.departmentId,
          );
          comment = commentId;
        }
        ticket = { ...triaged, version: 0 };
      }
      await record(trx, { ticketId: ticket.id, commentId: comment, outcome, reason: null });
      // Contact details stay out of the append-only audit chain: the message id and mailbox say which mail.
      await writeAudit(trx, {
        at,
        actorId: null,
        source: 'smtp',
        action: 'email.received',
        subjectId: ticket.id,
        detail: {
          messageId,
          mailbox: mailbox.address,
          outcome,
          ticketNumber: ticket.number,
          attachments: kept.length,
          refusedAttachments: refused.length,
        },
      });
      await refreshTicketSla(deps.db, trx, [ticket.id], now);
      return {
        outcome,
        ticketId: ticket.id,
        ticketNumber: ticket.number!,
        commentId: comment,
        departmentId: ticket.departmentId,
      };
    });
    deps.poke([result.departmentId]);
    deps.log(`Email ${messageId} to ${mailbox.address}: ${result.outcome} #${result.ticketNumber}.`);
    const { departmentId: _d, ...out } = result;
    return out;
  } catch (e) {
    deps.attachments.discard(written);
    throw e;
  }
}

/**
 * The ticket a mail answers: one whose mail (in or out) it names in In-Reply-To or References, else one of the
 * mailbox's department numbered by the subject's token whose customer is the sender. A token alone is easy to
 * type, so it never files a stranger's mail on someone else's ticket.
 */
async function threadedTicket(
  trx: Tx,
  mail: ParsedMail,
  subject: string,
  customerId: string,
  departmentId: string,
): Promise<Ticket | undefined> {
  const ids = answeredIds(mail);
  if (ids.length > 0) {
    const rows = await trx
      .selectFrom('email_messages')
      .select(['ticket_id', 'message_id'])
      .where('message_id', 'in', ids)
      .where('ticket_id', 'is not', null)
      .execute();
    for (const id of ids) {
      const row = rows.find((r) => r.message_id === id);
      const t = row?.ticket_id ? await getTicketForChange(trx, row.ticket_id) : undefined;
      if (t) return t.mergedInto ? ((await getTicketForChange(trx, t.mergedInto)) ?? t) : t;
    }
  }
  const token = TOKEN.exec(subject);
  if (!token) return undefined;
  const row = await trx
    .selectFrom('tickets')
    .select('id')
    .where('number', '=', Number(token[1]))
    // Triage (issue 15) may have filed the ticket in another department than the mailbox's.
    .where((eb) => eb.or([eb('department_id', '=', departmentId), eb('triage', 'is not', null)]))
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? getTicketForChange(trx, row.id) : undefined;
}

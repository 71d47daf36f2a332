import nodemailer from 'nodemailer';
import { v7 as uuidv7 } from 'uuid';
import type { CommentDelivery, Ticket } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { appendChange } from '../db/change-log';
import type { Db, Tx } from '../db/schema';
import { listMailboxes, mailboxOf, type Mailbox } from './mailbox-store';

/** Where replies go out: an SMTP relay (the organisation's mail server, or a local one). */
export interface Relay {
  host: string;
  port: number;
}

export interface RetryPolicy {
  /** The wait after the first failure, doubled after each further one up to maxMs. Default 5 s. */
  firstMs: number;
  /** Default 15 minutes. */
  maxMs: number;
  /** Tries before giving up (the comment then says failed, with the last reason). Default 40 (about 8 hours). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 5_000, maxMs: 15 * 60_000, maxAttempts: 40 };

/** The ticket token replies carry and intake threads by (intake.ts). */
export const ticketToken = (number: number) => `[#${number}]`;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1) || 'switchboard.invalid';

/**
 * A public comment on an email ticket, queued for the relay in the comment's own transaction (the comment
 * mutation's hook): to the address the customer last wrote from, from the mailbox they wrote to, threaded under
 * every mail of the ticket. A ticket no mail came in on (an agent filed it on the email channel) writes to the
 * customer's address from its department's mailbox. Returns the delivery state the comment is stored with;
 * failed, saying what to do, when there is no address or no mailbox.
 */
export async function queueEmailReply(
  trx: Tx,
  ticket: Ticket,
  comment: { id: string; body: string },
  now: Date,
): Promise<CommentDelivery> {
  const at = now.toISOString();
  const thread = await trx
    .selectFrom('email_messages')
    .select(['message_id', 'direction', 'mailbox', 'from_address', 'subject'])
    .where('ticket_id', '=', ticket.id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  const lastIn = thread.filter((m) => m.direction === 'in').at(-1);
  const failed = (error: string): CommentDelivery => ({ state: 'failed', error, at });
  let to: string;
  let mailbox: Mailbox | undefined;
  if (lastIn) {
    to = lastIn.from_address;
    mailbox = await mailboxOf(trx, lastIn.mailbox);
    if (!mailbox)
      return failed(
        `The support mailbox ${lastIn.mailbox} was removed; an administrator must add it again to reply by mail.`,
      );
  } else {
    const customer = await trx
      .selectFrom('customers')
      .select('email')
      .where('id', '=', ticket.customerId)
      .executeTakeFirst();
    if (!customer?.email)
      return failed('The customer has no email address: add one to the customer, then reply again.');
    to = customer.email;
    mailbox = (await listMailboxes(trx)).find((m) => m.departmentId === ticket.departmentId);
    if (!mailbox)
      return failed(
        'This department has no support mailbox to send from: an administrator must add one, then reply again.',
      );
  }
  const ids = [...new Set(thread.map((m) => m.message_id))];
  const messageId = `<${comment.id}@${domainOf(mailbox.address)}>`;
  const token = ticketToken(ticket.number!);
  const base = ticket.subject.includes(token) ? ticket.subject : `${ticket.subject} ${token}`;
  const subject = /^re:/i.test(base) ? base : `Re: ${base}`;
  await trx
    .insertInto('email_outbox')
    .values({
      comment_id: comment.id,
      ticket_id: ticket.id,
      department_id: ticket.departmentId,
      mailbox: mailbox.address,
      to_address: to,
      subject,
      body: comment.body,
      message_id: messageId,
      in_reply_to: ids.at(-1) ?? null,
      // The most recent 20: enough to thread in every client, short enough for every relay's header limit.
      refs: JSON.stringify(ids.slice(-20)),
      state: 'queued',
      next_attempt_ms: now.getTime(),
      created_at: at,
    })
    .execute();
  // Kept with the thread from now on, so the customer's answer to it threads by In-Reply-To.
  await trx
    .insertInto('email_messages')
    .values({
      id: uuidv7(),
      message_id: messageId,
      direction: 'out',
      mailbox: mailbox.address,
      from_address: mailbox.address,
      to_address: to,
      subject,
      ticket_id: ticket.id,
      comment_id: comment.id,
      outcome: 'queued',
      reason: null,
      at,
    })
    .execute();
  nudgeSenders();
  return { state: 'queued', error: null, at };
}

const senders = new Set<EmailSender>();
function nudgeSenders(): void {
  for (const s of senders) s.nudge();
}

export interface SenderDeps {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  poke: (departmentIds: string[]) => void;
  /** The relay of mailboxes that name none (--smtp-relay); undefined: such replies wait until one is set. */
  relay?: Relay;
  retry?: Partial<RetryPolicy>;
  /** How often the outbox is read for replies due (also after each reply queued here); default 2 s, 0: never by itself. */
  pollMs?: number;
}

/** When passes follow a nudge (ms after it, each): sooner than the poll, and past a slow commit. */
const NUDGE_DELAYS_MS = [50, 300, 1_000, 3_000];

/** How long one node holds a reply it is sending; another node takes it over only after that. */
const LEASE_MS = 120_000;

/**
 * Sends what the outbox holds, oldest due first: each reply claimed under a lease (so two nodes never send one
 * at once), handed to the relay, then marked sent with its comment; a failure waits longer each time (RetryPolicy)
 * and a refusal for good (5xx) or the last try marks it failed. A reply the relay took is never sent again; only
 * a crash between the relay's answer and the mark could repeat it, under the same Message-ID (clients then show
 * it once).
 */
export class EmailSender {
  private readonly retry: RetryPolicy;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly deps: SenderDeps) {
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
  }

  start(): void {
    senders.add(this);
    const every = this.deps.pollMs ?? 2_000;
    if (every > 0) {
      this.timer = setInterval(() => this.pass0(), every);
      this.timer.unref();
    }
    this.nudge();
  }

  private pass0(): void {
    void this.sendDue().catch((e: unknown) => this.deps.log(`email sending failed: ${String(e)}`));
  }

  private step = 0;

  /**
   * A reply was queued inside a transaction that commits a moment later (a push commits its group after the
   * hook ran): passes follow at growing delays until one is past any commit, without waiting for the poll.
   */
  nudge(): void {
    if (this.closed) return;
    clearTimeout(this.soon);
    this.step = 0;
    const next = () => {
      this.soon = setTimeout(() => {
        this.soon = undefined;
        this.pass0();
        if (++this.step < NUDGE_DELAYS_MS.length && !this.closed) next();
      }, NUDGE_DELAYS_MS[this.step]);
      this.soon.unref();
    };
    next();
  }

  /** One pass over the replies due now; resolves with how many went out. Passes never overlap. */
  async sendDue(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
    const sent = await this.running;
    if (this.again && !this.closed) {
      this.again = false;
      return sent + (await this.sendDue());
    }
    return sent;
  }

  private async pass(): Promise<number> {
    const nowMs = this.deps.now().getTime();
    const due = await this.deps.db
      .selectFrom('email_outbox')
      .selectAll()
      .where('state', '=', 'queued')
      .where('next_attempt_ms', '<=', nowMs)
      .where('lease_until_ms', '<', nowMs)
      .orderBy('next_attempt_ms')
      .limit(50)
      .execute();
    let sent = 0;
    for (const row of due) {
      if (this.closed) break;
      const claimed = await this.deps.db
        .updateTable('email_outbox')
        .set({ lease_until_ms: nowMs + LEASE_MS })
        .where('comment_id', '=', row.comment_id)
        .where('state', '=', 'queued')
        .where('lease_until_ms', '<', nowMs)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      if (await this.sendOne(row)) sent++;
    }
    return sent;
  }

  private async sendOne(row: {
    comment_id: string;
    ticket_id: string;
    mailbox: string;
    to_address: string;
    subject: string;
    body: string;
    message_id: string;
    in_reply_to: string | null;
    refs: string;
    attempts: number;
  }): Promise<boolean> {
    const mailbox = await mailboxOf(this.deps.db, row.mailbox);
    const relay =
      mailbox?.relayHost && mailbox.relayPort
        ? { host: mailbox.relayHost, port: mailbox.relayPort }
        : this.deps.relay;
    let failure: { message: string; permanent: boolean } | null = null;
    if (!mailbox) failure = { message: `The support mailbox ${row.mailbox} was removed.`, permanent: true };
    else if (!relay)
      failure = {
        message: 'No mail relay is configured: start the service with --smtp-relay host:port.',
        permanent: false,
      };
    else {
      const transport = nodemailer.createTransport({
        host: relay.host,
        port: relay.port,
        secure: false,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      });
      try {
        await transport.sendMail({
          from: { name: mailbox.displayName, address: mailbox.address },
          to: row.to_address,
          subject: row.subject,
          text: row.body,
          messageId: row.message_id,
          ...(row.in_reply_to ? { inReplyTo: row.in_reply_to } : {}),
          references: JSON.parse(row.refs) as string[],
        });
      } catch (e) {
        const code = (e as { responseCode?: number }).responseCode;
        const message = (e instanceof Error ? e.message : String(e)).slice(0, 400);
        failure = { message, permanent: code !== undefined && code >= 500 && code < 600 };
      } finally {
        transport.close();
      }
    }
    await this.record(row, failure);
    return failure === null;
  }

  /** The outcome on the outbox row, the thread and the comment (which replicas pull), with an audit record. */
  private async record(
    row: { comment_id: string; ticket_id: string; message_id: string; attempts: number },
    failure: { message: string; permanent: boolean } | null,
  ): Promise<void> {
    const now = this.deps.now();
    const at = now.toISOString();
    const attempts = row.attempts + 1;
    const gaveUp = failure !== null && (failure.permanent || attempts >= this.retry.maxAttempts);
    const state = failure === null ? 'sent' : gaveUp ? 'failed' : 'queued';
    const wait = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** (attempts - 1));
    const delivery: CommentDelivery = { state, error: failure?.message ?? null, at };
    const department = await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('email_outbox')
        .set({
          state,
          attempts,
          lease_until_ms: 0,
          next_attempt_ms: now.getTime() + wait,
          last_error: failure?.message ?? null,
          ...(state === 'sent' ? { sent_at: at } : {}),
        })
        .where('comment_id', '=', row.comment_id)
        .execute();
      await trx
        .updateTable('email_messages')
        .set({ outcome: state, reason: failure?.message ?? null })
        .where('message_id', '=', row.message_id)
        .where('direction', '=', 'out')
        .execute();
      const ticket = await trx
        .selectFrom('tickets')
        .select('department_id')
        .where('id', '=', row.ticket_id)
        .executeTakeFirst();
      if (ticket) {
        const version = await appendChange(trx, 'comment', row.comment_id, ticket.department_id);
        await trx
          .updateTable('ticket_comments')
          .set({ delivery: JSON.stringify(delivery), version })
          .where('id', '=', row.comment_id)
          .execute();
      }
      if (state !== 'queued' || attempts === 1)
        await writeAudit(trx, {
          at,
          actorId: null,
          source: 'smtp',
          action: `email.${state === 'queued' ? 'retrying' : state}`,
          subjectId: row.ticket_id,
          detail: {
            commentId: row.comment_id,
            messageId: row.message_id,
            attempts,
            error: failure?.message ?? null,
          },
        });
      return ticket?.department_id;
    });
    if (department) this.deps.poke([department]);
    if (failure)
      this.deps.log(
        `Email reply ${row.message_id} ${state === 'failed' ? 'failed for good' : `not sent (try ${attempts}, again in ${Math.round(wait / 1000)} s)`}: ${failure.message}`,
      );
  }

  async close(): Promise<void> {
    this.closed = true;
    senders.delete(this);
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.running?.catch(() => undefined);
  }
}

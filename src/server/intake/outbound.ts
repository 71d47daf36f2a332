import { randomBytes, randomUUID } from 'node:crypto';
import { SIGNATURE_HEADERS } from '../../shared/intake';
import type { Ticket, TicketComment } from '../../shared';
import type { Db, Tx } from '../db/schema';
import type { ChannelRow } from './channel-store';
import { hmacSignature, wecomSignature } from './signatures';

/** One reply to deliver: to whom (the sender id the channel knows), what, and which ticket it answers. */
export interface OutboundReply {
  id: string;
  ticketId: string;
  recipient: string;
  text: string;
  createdAt: string;
}

/** How replies leave for one form of channel. Throws (with a short reason) when the target did not take it. */
export interface OutboundAdapter {
  send(channel: ChannelRow, reply: OutboundReply, now: Date): Promise<void>;
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`not reached: ${cause ?? (e instanceof Error ? e.message : String(e))}`.slice(0, 300));
  }
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new Error(`answered HTTP ${res.status}`);
}

const nonce = () => randomBytes(12).toString('base64url');
const seconds = (now: Date) => String(Math.floor(now.getTime() / 1000));

/** The generic form: JSON, signed as inbound messages are (HMAC-SHA256 of timestamp.nonce.body, in headers). */
export const jsonAdapter: OutboundAdapter = {
  async send(channel, reply, now) {
    const body = JSON.stringify({
      messageId: reply.id,
      ticketId: reply.ticketId,
      to: reply.recipient,
      text: reply.text,
      sentAt: reply.createdAt,
    });
    const ts = seconds(now);
    const n = nonce();
    await post(channel.outbound_url!, body, {
      [SIGNATURE_HEADERS.timestamp]: ts,
      [SIGNATURE_HEADERS.nonce]: n,
      [SIGNATURE_HEADERS.signature]: hmacSignature(channel.secret, ts, n, body),
    });
  },
};

/**
 * The WeCom form: a text message as WeCom's message API takes it ({touser, msgtype, text}), signed as WeCom signs
 * callbacks (msg_signature, timestamp, nonce in the query) for a relay that holds the same token.
 */
export const wecomAdapter: OutboundAdapter = {
  async send(channel, reply, now) {
    const body = JSON.stringify({
      touser: reply.recipient,
      msgtype: 'text',
      text: { content: reply.text },
      msgid: reply.id,
    });
    const ts = seconds(now);
    const n = nonce();
    const url = new URL(channel.outbound_url!);
    url.searchParams.set('msg_signature', wecomSignature(channel.secret, ts, n, body));
    url.searchParams.set('timestamp', ts);
    url.searchParams.set('nonce', n);
    await post(url.toString(), body, {});
  },
};

export const ADAPTERS: Record<ChannelRow['kind'], OutboundAdapter> = {
  json: jsonAdapter,
  wecom: wecomAdapter,
};

const nudges = new Set<() => void>();

/**
 * The comment hook (tickets/ticket-mutations.ts): a public comment on a ticket that came in over a messaging
 * channel is queued for delivery in the comment's own transaction, so it commits with the comment or not at all.
 */
export async function queueMessagingReply(
  trx: Tx,
  ticket: Pick<Ticket, 'id'>,
  comment: Pick<TicketComment, 'id' | 'body' | 'internal'>,
  now: Date,
): Promise<void> {
  if (comment.internal) return;
  const thread = await trx
    .selectFrom('intake_threads as th')
    .innerJoin('intake_channels as c', 'c.id', 'th.channel_id')
    .select(['th.channel_id', 'th.sender_id', 'c.outbound_url', 'c.enabled'])
    .where('th.ticket_id', '=', ticket.id)
    .executeTakeFirst();
  if (!thread || !thread.outbound_url) return;
  await trx
    .insertInto('intake_outbound')
    .values({
      id: randomUUID(),
      channel_id: thread.channel_id,
      ticket_id: ticket.id,
      comment_id: comment.id,
      recipient: thread.sender_id,
      body: comment.body,
      status: 'pending',
      attempts: 0,
      next_attempt_ms: now.getTime(),
      last_error: null,
      created_at: now.toISOString(),
      sent_at: null,
    })
    .execute();
  // After this transaction commits the sender looks at once; the nudge only shortens its wait.
  for (const n of nudges) n();
}

/** Waits between attempts: 5 s, doubling to an hour; given up (failed) after MAX_ATTEMPTS. */
export const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 3_600_000;
export const MAX_ATTEMPTS = 15;
/** A claimed reply is not taken by another node for this long (the attempt's time-out is well inside it). */
const LEASE_MS = 60_000;

/**
 * Delivers queued replies: every poll, or soon after a reply is queued. Rows are claimed by moving their next
 * attempt past a lease with a conditional UPDATE, so several nodes on one database never send one reply twice
 * at once. A failed attempt is recorded (attempts, last_error) and retried later with back-off.
 */
export class OutboundSender {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again: Promise<number> | undefined;
  private closed = false;
  private readonly nudge = () => {
    if (this.closed || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.deliverDue();
    }, 50);
  };

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly log: (line: string) => void,
    private readonly pollMs = 5_000,
    private readonly adapters: Record<ChannelRow['kind'], OutboundAdapter> = ADAPTERS,
  ) {}

  start(): void {
    nudges.add(this.nudge);
    if (this.pollMs > 0) {
      this.timer = setInterval(() => void this.deliverDue(), this.pollMs);
      this.timer.unref();
    }
  }

  /**
   * Delivers every reply due now; returns how many were sent. One run at a time per node. A call made while a
   * run is under way waits for one more run after it: the running one may have looked before the caller's reply
   * was committed (the nudge fires inside the queuing transaction), and a caller must not get its answer.
   */
  deliverDue(): Promise<number> {
    if (!this.running) {
      this.running = this.run().finally(() => (this.running = undefined));
      return this.running;
    }
    this.again ??= this.running.then(() => {
      this.again = undefined;
      return this.deliverDue();
    });
    return this.again;
  }

  private async run(): Promise<number> {
    let sent = 0;
    try {
      const now = this.now().getTime();
      const due = await this.db
        .selectFrom('intake_outbound')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_ms', '<=', now)
        .orderBy('next_attempt_ms')
        .limit(50)
        .execute();
      for (const row of due) {
        if (this.closed) break;
        const claimed = await this.db
          .updateTable('intake_outbound')
          .set({ next_attempt_ms: now + LEASE_MS })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('next_attempt_ms', '=', row.next_attempt_ms)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) continue;
        const channel = await this.db
          .selectFrom('intake_channels')
          .selectAll()
          .where('id', '=', row.channel_id)
          .executeTakeFirst();
        const attempts = row.attempts + 1;
        try {
          if (!channel?.outbound_url) throw new Error('the channel has no reply URL any more');
          if (channel.enabled !== 1) throw new Error('the channel is disabled');
          await this.adapters[channel.kind].send(
            channel,
            {
              id: row.id,
              ticketId: row.ticket_id,
              recipient: row.recipient,
              text: row.body,
              createdAt: row.created_at,
            },
            this.now(),
          );
          await this.db
            .updateTable('intake_outbound')
            .set({ status: 'sent', attempts, sent_at: this.now().toISOString(), last_error: null })
            .where('id', '=', row.id)
            .execute();
          sent++;
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e);
          const giveUp = attempts >= MAX_ATTEMPTS;
          const wait = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
          await this.db
            .updateTable('intake_outbound')
            .set({
              status: giveUp ? 'failed' : 'pending',
              attempts,
              last_error: reason,
              next_attempt_ms: this.now().getTime() + wait,
            })
            .where('id', '=', row.id)
            .execute();
          this.log(
            `Reply ${row.id} (ticket ${row.ticket_id}) via channel ${row.channel_id} ${reason}; ` +
              (giveUp
                ? `given up after ${attempts} attempts.`
                : `attempt ${attempts}, next in ${wait / 1000} s.`),
          );
        }
      }
      // Nonces older than twice the replay window can never be replayed (their timestamp is refused).
      await this.db
        .deleteFrom('intake_nonces')
        .where('seen_ms', '<', now - 600_000)
        .execute();
    } catch (e) {
      if (!this.closed) this.log(`delivering messaging replies failed: ${String(e)}`);
    }
    return sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    nudges.delete(this.nudge);
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.running;
  }
}

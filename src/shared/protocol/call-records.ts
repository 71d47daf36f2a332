import type { CountryCode } from 'libphonenumber-js';
import { normalisePhone } from '../phone';
import type { Interaction, InteractionLog } from './voice';

/**
 * Rules for call records a desktop logged itself (`interaction.log`), shared so the desktop's optimistic
 * copy and the server's record come out the same.
 */

type CallRecord = Omit<Interaction, 'version'>;

/** The numbers of a logged call as stored (E.164 when they are phone numbers), and the customer's side. */
export function loggedNumbers(
  log: Pick<InteractionLog, 'direction' | 'callerNumber' | 'calleeNumber'>,
  region: CountryCode = 'CN',
): { callerNumber: string; calleeNumber: string; customerNumber: string | null } {
  const caller = normalisePhone(log.callerNumber, region);
  const callee = normalisePhone(log.calleeNumber, region);
  return {
    callerNumber: caller ?? log.callerNumber,
    calleeNumber: callee ?? log.calleeNumber,
    // The customer is whoever is not the agent: the caller of an inbound call, the callee of an outbound one.
    customerNumber: log.direction === 'inbound' ? caller : callee,
  };
}

/** Why a desktop's log cannot be a call record, or null. (The schema already orders the answer time.) */
export function loggedCallError(log: Pick<InteractionLog, 'ringAt' | 'endAt'>): string | null {
  return log.endAt < log.ringAt ? 'A call ends after it rang.' : null;
}

/** A new record from a desktop's log: answered calls are `ended`, the rest `abandoned` (nobody talked). */
export function recordFromLog(
  log: InteractionLog,
  who: { departmentId: string; agentId: string; customerId: string | null },
): CallRecord {
  const { callerNumber, calleeNumber } = loggedNumbers(log);
  return {
    id: log.interactionId,
    callId: log.callId,
    direction: log.direction,
    callerNumber,
    calleeNumber,
    queueNumber: log.queueNumber,
    departmentId: who.departmentId,
    agentId: who.agentId,
    customerId: who.customerId,
    status: log.answerAt === null ? 'abandoned' : 'ended',
    ringAt: log.ringAt,
    answerAt: log.answerAt,
    endAt: log.endAt,
    holdSeconds: log.holdSeconds,
    disposition: null,
    notes: null,
    ticketId: null,
    completedAt: null,
  };
}

/**
 * A desktop's log of a call the server already recorded (a routed queue call whose events were lost). The
 * server's own times stand where it has them and the desktop fills the rest, except when the desktop talked
 * on a call the server never saw answered: then the server's end was only its ring timeout's guess, and the
 * desktop's answer, end and hold times win. Identity, numbers, customer and wrap-up are the server's.
 * Applying the same log twice gives the same record.
 */
export function mergeLoggedCall<T extends CallRecord>(record: T, log: InteractionLog): T {
  let answerAt = record.answerAt;
  let endAt = record.endAt ?? log.endAt;
  let holdSeconds = record.holdSeconds;
  if (record.answerAt !== null) {
    holdSeconds = Math.max(record.holdSeconds, log.holdSeconds);
  } else if (log.answerAt !== null) {
    answerAt = log.answerAt;
    endAt = log.endAt;
    holdSeconds = log.holdSeconds;
  }
  return { ...record, answerAt, endAt, holdSeconds, status: answerAt === null ? 'abandoned' : 'ended' };
}

/**
 * The agent's wrap-up, as `interaction.complete` sets it: it replaces any earlier one. A customer named in
 * it fills a call that had none; it never replaces the customer a call already has.
 */
export function wrapUpCall<T extends CallRecord>(
  record: T,
  args: { disposition: string; notes: string; ticketId?: string | null; customerId?: string | null },
  at: string,
): T {
  return {
    ...record,
    customerId: record.customerId ?? args.customerId ?? null,
    disposition: args.disposition,
    notes: args.notes,
    ticketId: args.ticketId ?? null,
    completedAt: at,
  };
}

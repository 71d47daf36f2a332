import type { Request } from 'express';
import { parseOrThrow, SwitchboardError } from '../../shared';
import { JsonWebhookMessage, SIGNATURE_HEADERS } from '../../shared/intake';
import type { Db } from '../db/schema';
import { retryConflicts, isRetryableConflict } from '../db/retry';
import { getChannel, type ChannelRow } from './channel-store';
import { takeMessage, useNonce, type InboundMessage, type TakenMessage } from './messages';
import {
  checkNonceShape,
  checkTimestamp,
  hmacSignature,
  sameSignature,
  strictText,
  wecomSignature,
} from './signatures';
import { parseWecomXml } from './wecom-xml';

const forged = () =>
  new SwitchboardError(
    'unauthenticated',
    'The signature does not match this channel’s secret: sign the exact body with the secret the administrator gave you.',
  );

const one = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The channel of a webhook URL; an unknown or disabled one is refused the same way (nothing to probe). */
export async function webhookChannel(db: Db, id: string): Promise<ChannelRow> {
  const channel = /^[0-9a-f-]{36}$/i.test(id) ? await getChannel(db, id) : undefined;
  if (!channel || channel.enabled !== 1)
    throw new SwitchboardError('not_found', 'No such messaging channel, or it is switched off.');
  return channel;
}

/** Checks a request's signature and timestamp; returns its body text and nonce (not yet used: see deliver). */
export function verifyWebhook(
  channel: ChannelRow,
  req: Request,
  raw: Buffer,
  now: Date,
): { text: string; nonce: string } {
  const text = strictText(raw);
  let timestamp: string, nonce: string;
  if (channel.kind === 'wecom') {
    timestamp = one(req.query.timestamp);
    nonce = one(req.query.nonce);
    const signature = one(req.query.msg_signature) || one(req.query.signature);
    if (!timestamp || !nonce || !signature)
      throw new SwitchboardError(
        'unauthenticated',
        'Sign the request: msg_signature, timestamp and nonce go in the query string.',
      );
    if (!sameSignature(wecomSignature(channel.secret, timestamp, nonce, text), signature)) throw forged();
  } else {
    timestamp = one(req.headers[SIGNATURE_HEADERS.timestamp]);
    nonce = one(req.headers[SIGNATURE_HEADERS.nonce]);
    const signature = one(req.headers[SIGNATURE_HEADERS.signature]);
    if (!timestamp || !nonce || !signature)
      throw new SwitchboardError(
        'unauthenticated',
        `Sign the request: send ${SIGNATURE_HEADERS.timestamp}, ${SIGNATURE_HEADERS.nonce} and ${SIGNATURE_HEADERS.signature}.`,
      );
    if (!sameSignature(hmacSignature(channel.secret, timestamp, nonce, text), signature)) throw forged();
  }
  // Checked after the signature: an unsigned request learns nothing, and cannot use up a nonce.
  checkTimestamp(timestamp, now);
  checkNonceShape(nonce);
  return { text, nonce };
}

function field(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** The message a verified body holds; null for what is acknowledged but not a customer's text (events). */
export function readMessage(channel: ChannelRow, text: string, contentType: string): InboundMessage | null {
  if (channel.kind === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SwitchboardError('bad_request', 'The message body is not valid JSON.');
    }
    const m = parseOrThrow(JsonWebhookMessage, json, 'message');
    return {
      messageId: m.messageId,
      senderId: m.from.id,
      senderName: m.from.name,
      phone: m.from.phone,
      email: m.from.email,
      text: m.text,
    };
  }
  let o: Record<string, unknown>;
  if (/json/i.test(contentType) || text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      o = parsed as Record<string, unknown>;
    } catch {
      throw new SwitchboardError('bad_request', 'The message body is not valid JSON.');
    }
  } else o = parseWecomXml(text);
  const type = field(o, 'MsgType');
  if (!type) throw new SwitchboardError('bad_request', 'The message has no MsgType.');
  if (type !== 'text') return null;
  const messageId = field(o, 'MsgId');
  const senderId = field(o, 'FromUserName');
  const content = field(o, 'Content');
  const issues = [
    ...(messageId ? [] : [{ path: 'MsgId', message: 'Required.' }]),
    ...(senderId ? [] : [{ path: 'FromUserName', message: 'Required.' }]),
    ...(content ? [] : [{ path: 'Content', message: 'Required: the message has no text.' }]),
    ...(messageId.length > 200 || senderId.length > 200 ? [{ path: 'MsgId', message: 'Too long.' }] : []),
    ...(content.length > 20000 ? [{ path: 'Content', message: 'At most 20,000 characters.' }] : []),
  ];
  if (issues.length > 0)
    throw new SwitchboardError('bad_request', 'The message is missing what a text message needs.', issues);
  return { messageId, senderId, text: content };
}

/** Uses the nonce and takes the message, in one transaction: both happen or neither does. */
export async function deliverMessage(
  db: Db,
  channel: ChannelRow,
  nonce: string,
  msg: InboundMessage | null,
  now: Date,
  source: string | null,
): Promise<TakenMessage | null> {
  return retryConflicts(
    () =>
      db.transaction().execute(async (trx) => {
        if (!(await useNonce(trx, channel.id, nonce, now)))
          throw new SwitchboardError(
            'unauthenticated',
            'This nonce was used already (a replayed request): sign every request with a new nonce.',
          );
        return msg ? takeMessage(db, trx, channel, msg, now, source) : null;
      }),
    5,
    isRetryableConflict,
  );
}

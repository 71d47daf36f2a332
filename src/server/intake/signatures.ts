import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SwitchboardError } from '../../shared';

/**
 * WeCom's msg_signature: SHA-1 (hex) of the token, timestamp, nonce and message sorted as strings and joined.
 * WeCom signs its encrypted envelope; this form signs the plain body in its place, so a WeCom-style gateway signs
 * as it already does. A bare SHA-1 over a secret and data could be extended (length extension) when the body
 * sorts last; the bytes such an extension appends (0x80, NULs, a binary length) are refused by strictText, which
 * every body passes before it is read.
 */
export function wecomSignature(token: string, timestamp: string, nonce: string, body: string): string {
  return createHash('sha1').update([token, timestamp, nonce, body].sort().join('')).digest('hex');
}

/** The generic form, both ways: HMAC-SHA256 (hex) of `${timestamp}.${nonce}.${body}` under the channel secret. */
export function hmacSignature(secret: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${nonce}.${body}`).digest('hex');
}

/** Constant-time comparison of two hex signatures (a wrong length is simply unequal). */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(
    given
      .trim()
      .toLowerCase()
      .replace(/^sha256=/, ''),
    'utf8',
  );
  return a.length === b.length && timingSafeEqual(a, b);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
// C0 controls other than tab, newline and carriage return, and DEL: no message text holds them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The body as text: strict UTF-8 without control characters, or a clear refusal. */
export function strictText(raw: Buffer): string {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw new SwitchboardError('bad_request', 'The request body is not valid UTF-8 text.');
  }
  if (CONTROL.test(text))
    throw new SwitchboardError('bad_request', 'The request body holds control characters; send plain text.');
  return text;
}

/** How far a signed timestamp may be from the server's clock, either way. */
export const REPLAY_WINDOW_SECONDS = 300;

/** Unix seconds as a webhook sends them, checked against the window; the refusal says what to fix. */
export function checkTimestamp(timestamp: string, now: Date): void {
  if (!/^\d{9,11}$/.test(timestamp))
    throw new SwitchboardError('unauthenticated', 'The timestamp must be Unix seconds (e.g. 1735689600).');
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > REPLAY_WINDOW_SECONDS)
    throw new SwitchboardError(
      'unauthenticated',
      `The timestamp is more than ${REPLAY_WINDOW_SECONDS / 60} minutes from the server's time: sign the request ` +
        'when sending it, and check the sender clock.',
    );
}

export function checkNonceShape(nonce: string): void {
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(nonce))
    throw new SwitchboardError('unauthenticated', 'The nonce must be 6 to 64 letters, digits, - or _.');
}

import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Request } from 'express';
import { SwitchboardError } from '../../shared';
import { dialectOf } from '../db/open';
import type { Tx } from '../db/schema';

/** The request's Idempotency-Key header (printable ASCII, at most 200), or null when it sends none. */
export function idempotencyKeyOf(req: Request): string | null {
  const v = req.headers['idempotency-key'];
  if (v === undefined) return null;
  if (typeof v !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(v))
    throw new SwitchboardError(
      'bad_request',
      'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces (a UUID, say).',
    );
  return v;
}

const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/**
 * The answer given to an earlier request with this key, if any. Locked on PostgreSQL so two nodes taking the
 * same retried request at once make one ticket; the same key with another request is refused.
 */
export async function answeredBefore<T>(
  trx: Tx,
  keyId: string,
  idempotency: string,
  body: unknown,
): Promise<T | null> {
  if (dialectOf(trx) === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(7024, hashtext(${`${keyId}|${idempotency}`}))`.execute(trx);
  const row = await trx
    .selectFrom('intake_requests')
    .selectAll()
    .where('key_id', '=', keyId)
    .where('idempotency_key', '=', idempotency)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== hashOf(body))
    throw new SwitchboardError(
      'conflict',
      'This Idempotency-Key was used for another request: use a new key for each new request.',
    );
  return JSON.parse(row.response) as T;
}

export async function rememberAnswer(
  trx: Tx,
  keyId: string,
  idempotency: string,
  body: unknown,
  answer: unknown,
  at: Date,
): Promise<void> {
  await trx
    .insertInto('intake_requests')
    .values({
      key_id: keyId,
      idempotency_key: idempotency,
      request_hash: hashOf(body),
      response: JSON.stringify(answer),
      created_at: at.toISOString(),
    })
    .execute();
}

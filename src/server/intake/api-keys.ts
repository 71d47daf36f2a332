import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { SwitchboardError, type User } from '../../shared';
import type { ApiKey, ApiKeyInput } from '../../shared/intake';
import { writeAudit } from '../audit/audit-log';
import type { Database, Db } from '../db/schema';
import { getDepartment } from '../directory/directory-store';

type Row = Database['api_keys'];

/**
 * Keys read `sbk_<prefix>_<secret>`: the prefix (8 hex, not secret) finds the row and names the key in lists and
 * logs; the secret is 32 random bytes. Only SHA-256 of the whole key is stored: with 256 bits of randomness a
 * slow password hash adds nothing against guessing and would cost every request tens of milliseconds.
 */
const KEY = /^sbk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

const view = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: `sbk_${r.prefix}`,
  departmentId: r.department_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(view);
}

/** A new key for one department; the whole key is returned this once and never again. */
export async function createApiKey(
  db: Db,
  actor: User,
  input: z.output<typeof ApiKeyInput>,
  now: Date,
): Promise<{ id: string; secret: string }> {
  const id = randomUUID();
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    if (!(await getDepartment(trx, input.departmentId)))
      throw new SwitchboardError('bad_request', 'The department of this key does not exist.');
    // A prefix clash (one in four billion per key) is simply drawn again.
    for (;;) {
      const prefix = randomBytes(4).toString('hex');
      const secret = `sbk_${prefix}_${randomBytes(32).toString('base64url')}`;
      const taken = await trx
        .selectFrom('api_keys')
        .select('id')
        .where('prefix', '=', prefix)
        .executeTakeFirst();
      if (taken) continue;
      await trx
        .insertInto('api_keys')
        .values({
          id,
          name: input.name,
          prefix,
          key_hash: hashOf(secret),
          department_id: input.departmentId,
          created_by: actor.id,
          created_at: at,
          revoked_at: null,
          revoked_by: null,
          last_used_at: null,
        })
        .execute();
      await writeAudit(trx, {
        at,
        actorId: actor.id,
        action: 'intake.apiKey.create',
        subjectId: id,
        detail: { name: input.name, prefix: `sbk_${prefix}`, departmentId: input.departmentId },
      });
      return { id, secret };
    }
  });
}

export async function revokeApiKey(db: Db, actor: User, id: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SwitchboardError('not_found', 'No such API key.');
    if (row.revoked_at) return;
    await trx
      .updateTable('api_keys')
      .set({ revoked_at: at, revoked_by: actor.id })
      .where('id', '=', id)
      .execute();
    await writeAudit(trx, {
      at,
      actorId: actor.id,
      action: 'intake.apiKey.revoke',
      subjectId: id,
      detail: { name: row.name, prefix: `sbk_${row.prefix}` },
    });
  });
}

/** The key a request carries (Authorization: Bearer … or X-Api-Key), or null when it carries none. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.trim() ? x.trim() : null;
}

/** What a presented key looks like for the logs: its prefix if it has one, never the secret. */
export function keyLabel(key: string | null): string | null {
  const m = key ? KEY.exec(key) : null;
  return m ? `sbk_${m[1]}` : null;
}

/** The live key a request presents; every failure is the same `unauthenticated` (nothing to probe with). */
export async function authenticateKey(db: Db, key: string | null, now: Date): Promise<Row> {
  const refused = new SwitchboardError(
    'unauthenticated',
    'This request needs a valid API key (Authorization: Bearer sbk_…); ask an administrator for one.',
  );
  const m = key ? KEY.exec(key) : null;
  if (!key || !m) throw refused;
  const row = await db.selectFrom('api_keys').selectAll().where('prefix', '=', m[1]!).executeTakeFirst();
  if (!row) throw refused;
  const a = Buffer.from(row.key_hash, 'hex');
  const b = Buffer.from(hashOf(key), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw refused;
  if (row.revoked_at)
    throw new SwitchboardError(
      'unauthenticated',
      'This API key was revoked; ask an administrator for a new one.',
    );
  // Last use to the minute: a write per request would be most of the cost of a busy key.
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000)
    await db
      .updateTable('api_keys')
      .set({ last_used_at: now.toISOString() })
      .where('id', '=', row.id)
      .execute();
  return row;
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Db } from '../db/schema';

/** A secret kept in a file beside the database: read when there, else generated (owner-only, 0600). */
function secretFile(file: string): { secret: string; created: boolean } {
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (text.length < 32)
      throw new Error(`The secret in ${file} is too short; delete the file to make a new one.`);
    return { secret: text, created: false };
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secret, created: true };
}

/**
 * The access-token signing secret: the configured one, or one generated on first start and kept in a file
 * beside the database (owner-only), so restarts keep sessions valid. An in-memory database gets a fresh one.
 */
export function loadSigningSecret(dbPath: string, configured?: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  if (dbPath === ':memory:') return randomBytes(32);
  return new TextEncoder().encode(secretFile(`${dbPath}.jwt-secret`).secret);
}

/**
 * A secret kept in the database (PostgreSQL stores, table server_secrets): every node behind one address must
 * sign and check tokens with the same key, and no node's disk is shared. The first node to start makes it;
 * ON CONFLICT DO NOTHING lets nodes starting together agree on the first one written.
 */
export async function secretInDatabase(
  db: Db,
  name: 'jwt' | 'pbx',
): Promise<{ secret: string; created: boolean }> {
  const made = randomBytes(32).toString('base64url');
  await db
    .insertInto('server_secrets')
    .values({ name, value: made })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  if (row.value.length < 32)
    throw new Error(
      `The ${name} secret in table server_secrets is too short; delete its row to make a new one.`,
    );
  return { secret: row.value, created: row.value === made };
}

export type PbxSecret =
  | { source: 'configured'; secret: string }
  | { source: 'database'; secret: string; created: boolean }
  | { source: 'file'; secret: string; file: string; created: boolean }
  /** In-memory database and nothing configured: the PBX endpoints refuse every request. */
  | { source: 'none' };

/**
 * The secret the PBX must send with routing requests and call events: the configured one (npm start makes one
 * per start and gives it to Kamailio and the service), else one generated once and kept in `<db>.pbx-secret`
 * (owner-only) for the PBX to be given. Never logged: callers say where it is, not what it is.
 */
export function loadPbxSecret(dbPath: string, configured?: string): PbxSecret {
  if (configured) return { source: 'configured', secret: configured };
  if (dbPath === ':memory:') return { source: 'none' };
  const file = `${dbPath}.pbx-secret`;
  return { source: 'file', file, ...secretFile(file) };
}

/** The one line that tells an operator how the PBX endpoints are guarded (never the secret itself). */
export function pbxSecretNotice(s: PbxSecret): string | null {
  switch (s.source) {
    case 'configured':
      return null;
    case 'file':
      return (
        `PBX secret ${s.created ? 'generated in' : 'read from'} ${s.file} (owner-only): routing requests and call ` +
        `events must carry it in x-switchboard-pbx-secret; start the PBX with SWITCHBOARD_PBX_SECRET set to its contents.`
      );
    case 'database':
      return (
        `PBX secret ${s.created ? 'generated in' : 'read from'} the database (SELECT value FROM server_secrets WHERE ` +
        `name = 'pbx'): routing requests and call events must carry it in x-switchboard-pbx-secret; start the PBX ` +
        `with SWITCHBOARD_PBX_SECRET set to it.`
      );
    case 'none':
      return 'No PBX secret is configured (in-memory database): the PBX endpoints refuse every request. Set SWITCHBOARD_PBX_SECRET to use a PBX.';
  }
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

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

export type PbxSecret =
  | { source: 'configured'; secret: string }
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
    case 'none':
      return 'No PBX secret is configured (in-memory database): the PBX endpoints refuse every request. Set SWITCHBOARD_PBX_SECRET to use a PBX.';
  }
}

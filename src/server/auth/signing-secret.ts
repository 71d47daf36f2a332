import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The access-token signing secret: the configured one, or one generated on first start and kept in a file
 * beside the database (owner-only), so restarts keep sessions valid. An in-memory database gets a fresh one.
 */
export function loadSigningSecret(dbPath: string, configured?: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  if (dbPath === ':memory:') return randomBytes(32);
  const file = `${dbPath}.jwt-secret`;
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (text.length < 32)
      throw new Error(`The signing secret in ${file} is too short; delete the file to make a new one.`);
    return new TextEncoder().encode(text);
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return new TextEncoder().encode(secret);
}

import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { Department, Instant, User } from '../../shared/domain';
import { SwitchboardError } from '../../shared/protocol/errors';

/**
 * What lets an agent who signed in online on this computer sign in again while the server is out of reach:
 * per server and user, a scrypt verifier of the password (never the password) and the profile the replica
 * opens with. One owner-only JSON file in the data folder; wrong tries are counted in it, so a restart does
 * not give a guesser new ones.
 */

/**
 * Memory-hard: 2^16 x 8 x 128 bytes = 64 MiB and about 0.2 s per try here, so a stolen file costs a guesser
 * that much per password. Kept with each entry, so it can be raised without breaking older ones.
 */
export const KDF = { N: 2 ** 16, r: 8, p: 1, keylen: 32 } as const;
/** Wrong passwords in a row before offline sign-in is locked until the next online sign-in. */
export const MAX_OFFLINE_ATTEMPTS = 5;

const FILE = 'offline-signin.json';

const Entry = z.object({
  serverUrl: z.string(),
  username: z.string(),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
    keylen: z.number().int(),
  }),
  salt: z.string(),
  hash: z.string(),
  user: User,
  department: Department.nullable(),
  failures: z.number().int().nonnegative(),
  /** attempts: too many wrong passwords; refused: the server refused this password since it was recorded. */
  locked: z.enum(['attempts', 'refused']).nullable(),
  recordedAt: Instant,
});
export type OfflineEntry = z.infer<typeof Entry>;
const FileShape = z.object({ v: z.literal(1), entries: z.record(z.string(), Entry) });
type FileShape = z.infer<typeof FileShape>;

export interface OfflineStatus {
  available: boolean;
  locked: boolean;
  attemptsLeft: number;
  lastOnlineAt: string | null;
}

/** One entry per server and user name, as the agent types them (case and slashes aside). */
function keyOf(serverUrl: string, username: string): string {
  return createHash('sha256')
    .update(`${serverUrl.trim().replace(/\/+$/, '').toLowerCase()}\n${username.trim().toLowerCase()}`)
    .digest('hex');
}

function derive(password: string, salt: Buffer, k: OfflineEntry['kdf']): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      k.keylen,
      // scrypt needs 128·N·r bytes; node refuses above maxmem (32 MiB by default).
      { N: k.N, r: k.r, p: k.p, maxmem: 128 * k.N * k.r + 16 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

async function matches(e: OfflineEntry, password: string): Promise<boolean> {
  const actual = await derive(password, Buffer.from(e.salt, 'base64'), e.kdf);
  const expected = Buffer.from(e.hash, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export class OfflineVerifiers {
  readonly file: string;
  /** File updates one at a time, so two quick wrong tries both count. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, FILE);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readAll(): Promise<FileShape> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return { v: 1, entries: {} };
    }
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // a torn or edited file: treated as below
    }
    const parsed = FileShape.safeParse(json);
    // Unreadable means no offline sign-in until the next online one, which writes the file afresh.
    return parsed.success ? parsed.data : { v: 1, entries: {} };
  }

  private async writeAll(all: FileShape): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
    await chmod(tmp, 0o600); // a leftover tmp keeps the mode it was created with
    await rename(tmp, this.file);
  }

  /** After an online sign-in: the password the server just accepted replaces what was kept, and unlocks. */
  record(r: {
    serverUrl: string;
    username: string;
    password: string;
    user: User;
    department: Department | null;
  }): Promise<void> {
    return this.serial(async () => {
      const salt = randomBytes(16);
      const hash = await derive(r.password, salt, { name: 'scrypt', ...KDF });
      const all = await this.readAll();
      all.entries[keyOf(r.serverUrl, r.username)] = {
        serverUrl: r.serverUrl,
        username: r.username.trim(),
        kdf: { name: 'scrypt', ...KDF },
        salt: salt.toString('base64'),
        hash: hash.toString('base64'),
        user: r.user,
        department: r.department,
        failures: 0,
        locked: null,
        recordedAt: new Date().toISOString(),
      };
      await this.writeAll(all);
    });
  }

  async status(serverUrl: string, username: string): Promise<OfflineStatus> {
    const e = (await this.readAll()).entries[keyOf(serverUrl, username)];
    if (!e) return { available: false, locked: false, attemptsLeft: 0, lastOnlineAt: null };
    return {
      available: true,
      locked: e.locked !== null,
      attemptsLeft: e.locked ? 0 : Math.max(0, MAX_OFFLINE_ATTEMPTS - e.failures),
      lastOnlineAt: e.recordedAt,
    };
  }

  /**
   * Checks a password offline. The try is counted on disk before the check and taken back only when it
   * matched, so killing the process mid-check does not give a free try. Throws wrong_credentials (with the
   * tries left in the message) or forbidden (locked, or nothing kept for this user).
   */
  verify(serverUrl: string, username: string, password: string): Promise<OfflineEntry> {
    return this.serial(async () => {
      const key = keyOf(serverUrl, username);
      const all = await this.readAll();
      const e = all.entries[key];
      if (!e) {
        throw new SwitchboardError(
          'forbidden',
          `${username} has not signed in online on this computer before, so there is nothing to sign in to offline. Sign in when the server is reachable.`,
        );
      }
      if (e.locked) throw lockedError(e.locked);
      e.failures++;
      await this.writeAll(all);
      if (await matches(e, password)) {
        e.failures = 0;
        await this.writeAll(all);
        return e;
      }
      if (e.failures >= MAX_OFFLINE_ATTEMPTS) {
        e.locked = 'attempts';
        await this.writeAll(all);
        throw lockedError('attempts');
      }
      const left = MAX_OFFLINE_ATTEMPTS - e.failures;
      throw new SwitchboardError(
        'wrong_credentials',
        `The password does not match the one last used on this computer. ${left} ${left === 1 ? 'try' : 'tries'} left before offline sign-in is locked.`,
      );
    });
  }

  /**
   * The server refused this password. If it is the one kept here, the password was changed or the account
   * disabled since: it must not open the replica offline any more.
   */
  refusedOnline(serverUrl: string, username: string, password: string): Promise<boolean> {
    return this.serial(async () => {
      const all = await this.readAll();
      const e = all.entries[keyOf(serverUrl, username)];
      if (!e || e.locked === 'refused') return false;
      if (!(await matches(e, password))) return false;
      e.locked = 'refused';
      await this.writeAll(all);
      return true;
    });
  }

  /** "Forget this computer": offline sign-in for this user needs an online sign-in again. */
  forget(serverUrl: string, username: string): Promise<void> {
    return this.serial(async () => {
      const all = await this.readAll();
      const key = keyOf(serverUrl, username);
      if (!(key in all.entries)) return;
      delete all.entries[key];
      if (Object.keys(all.entries).length === 0) await rm(this.file, { force: true });
      else await this.writeAll(all);
    });
  }
}

function lockedError(why: 'attempts' | 'refused'): SwitchboardError {
  return new SwitchboardError(
    'forbidden',
    why === 'attempts'
      ? `Offline sign-in is locked after ${MAX_OFFLINE_ATTEMPTS} wrong passwords. Sign in when the server is reachable; that unlocks it.`
      : 'The server no longer accepts the password kept on this computer, so offline sign-in is off. Sign in when the server is reachable.',
  );
}

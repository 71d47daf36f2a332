import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { asStorageError, storageFault } from './faults';
import { migrate } from './migrate';
import { migrations } from './migrations';
import { StoreReader } from './read';
import { TicketClocks } from './ticket-clocks';
import { StoreWriter } from './write';

export { StoreReader } from './read';
export { StoreWriter, type Touched } from './write';
export type { LoggedBy } from './interaction-write';
export {
  PRIORITY_ORDER,
  RANK_WINDOW,
  SMALL_MATCH,
  TOTAL_CAP,
  type ResolvedTicketFilter,
  type ResolvedTicketQuery,
} from './search';
export { META, type OutboxEntry, type SyncMeta } from './types';
export { CONFIG_META, type WatchedTicket } from './sla';
export { asStorageError, storageFault } from './faults';

export interface LocalStore {
  readonly path: string;
  readonly read: StoreReader;
  readonly write: StoreWriter;
  /** Set when the replica found at `path` was damaged: where it went and what of its outbox came back. */
  readonly setAside: SetAside | null;
  /**
   * SQLite said the replica is damaged while in use: the next open sets it aside without checking again
   * (a large replica is not checked at open, and a damaged one must not be trusted once more).
   */
  markDamaged(reason: string): void;
  close(): void;
}

export interface SetAside {
  /** The damaged database, renamed beside the new one (its -wal and -shm files with it). */
  path: string;
  /** Unsent changes read from it and queued again in the new replica. */
  recovered: number;
  /** false: its outbox could not be read, or only in part; the damaged copy still holds the rest. */
  outboxReadable: boolean;
}

export interface OpenStoreOptions {
  /**
   * The integrity check at open reads every page (PRAGMA quick_check: about 1 s per few hundred MB on the
   * 2-core CI machine), so it is time-boxed by size: a replica above this many bytes is not checked at open,
   * and damage in it is found by SQLite when a read or write touches it (then markDamaged, and the next open
   * sets it aside). Default QUICK_CHECK_MAX_BYTES.
   */
  quickCheckMaxBytes?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

/**
 * 256 MB: above the ~150 MB a 100,000-ticket department takes, so every replica a real agent has is checked,
 * and the check stays around a second at worst (measured in the report of issue 10).
 */
/**
 * Is this file name a replica (`<user id>.sqlite`)? Beside replicas lie their not-sent lists
 * (`<user id>.not-sent.sqlite`) and damaged copies set aside (`<user id>.damaged-<time>.sqlite`).
 */
export const isReplicaFile = (name: string) => /^[^.]+\.sqlite$/.test(name);

export const QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024;

/** chmod 0600 the database and its -wal and -shm files, those that exist. */
function ownerOnly(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

const damagedMarker = (path: string) => `${path}.damaged`;

/**
 * Open (creating and migrating if needed) the replica at `path`: one writing connection and one
 * read-only connection, WAL so reads never wait for a write.
 * A replica found damaged is set aside (renamed with a timestamp, never deleted), the unsent changes it still
 * holds are queued again in a new, empty replica, and the first sync rebuilds the rest from the server.
 * A storage fault (disk full, read-only folder, locked, damaged beyond this) is thrown as its own
 * SwitchboardError code with a sentence saying what to do.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): LocalStore {
  try {
    prepareFiles(path);
    const damage = findDamage(path, opts);
    if (!damage) return openReplica(path, null, []);
    opts.log?.(`store: ${path} is damaged (${damage}); setting it aside and rebuilding it from the server`);
    const outbox = readOutbox(path);
    const aside = setAsideFiles(path, (opts.now ?? (() => new Date()))());
    opts.log?.(
      `store: the damaged replica is now ${aside}; ${outbox.rows.length} unsent change(s) recovered` +
        (outbox.complete ? '' : ' (its outbox could not be read in full)'),
    );
    prepareFiles(path);
    return openReplica(
      path,
      { path: aside, recovered: outbox.rows.length, outboxReadable: outbox.complete },
      outbox.rows,
    );
  } catch (e) {
    throw asStorageError(e, path);
  }
}

function prepareFiles(path: string): void {
  // The replica holds customers' names and numbers: owner-only, also where an older version (or the umask)
  // left it readable by others. SQLite gives the -wal and -shm files the database file's mode.
  makeFolder(dirname(path));
  chmodSync(dirname(path), 0o700);
  closeSync(openSync(path, 'a', 0o600));
  ownerOnly(path);
}

/**
 * mkdir -p, failing with the real reason: Node's recursive mkdir reports ENOENT where a level cannot be made
 * (EROFS, EACCES), which would read as a bug rather than a read-only folder.
 */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    let existing = dirname(dir);
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    const next = join(existing, relative(existing, dir).split(sep)[0]!);
    mkdirSync(next, { mode: 0o700 }); // throws EROFS / EACCES, the fault the agent must hear about
    throw e;
  }
}

/** Why the replica at `path` cannot be trusted, or null when it is sound (or too large to check now). */
function findDamage(path: string, opts: OpenStoreOptions): string | null {
  if (existsSync(damagedMarker(path))) return 'SQLite reported it damaged while it was in use';
  const size = statSync(path).size;
  if (size === 0) return null;
  const max = opts.quickCheckMaxBytes ?? QUICK_CHECK_MAX_BYTES;
  if (size > max) {
    opts.log?.(
      `store: ${path} is ${Math.round(size / 1e6)} MB, above the ${Math.round(max / 1e6)} MB checked at open; ` +
        'not checked now (damage is found, and the replica set aside, when SQLite meets it)',
    );
    return null;
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { fileMustExist: true });
    // quick_check(1): stop at the first problem; it checks every page and record, not the index contents.
    const result = db.pragma('quick_check(1)', { simple: true });
    return result === 'ok' ? null : String(result);
  } catch (e) {
    if (storageFault(e) === 'storage_corrupt') return (e as Error).message;
    throw e;
  } finally {
    db?.close();
  }
}

type OutboxRow = Record<string, unknown>;

/** The outbox rows SQLite can still read from a damaged replica, in order; complete false if it stopped early. */
function readOutbox(path: string): { rows: OutboxRow[]; complete: boolean } {
  const found = readOutboxOf(path);
  if (found.rows.length > 0 || found.complete || !found.badHeader) return found;
  return readOutboxBehindHeader(path) ?? found;
}

function readOutboxOf(path: string): { rows: OutboxRow[]; complete: boolean; badHeader: boolean } {
  const rows: OutboxRow[] = [];
  let db: Database.Database | null = null;
  try {
    // Read-write, so SQLite replays the -wal file: the newest edits are often only there.
    db = new Database(path, { fileMustExist: true });
    for (const row of db.prepare('SELECT * FROM outbox ORDER BY seq').iterate()) rows.push(row as OutboxRow);
    return { rows, complete: true, badHeader: false };
  } catch (e) {
    return { rows, complete: false, badHeader: (e as { code?: string }).code === 'SQLITE_NOTADB' };
  } finally {
    try {
      db?.close();
    } catch {
      // A damaged database may refuse even to close cleanly; it is set aside as it is.
    }
  }
}

/** The page sizes to try behind a lost header: SQLite's default first. */
const PAGE_SIZES = [4096, 1024, 2048, 8192, 16384, 32768, 65536];

/**
 * The first 100 bytes of the file (SQLite's header) are gone, and with them the page size and the file format;
 * every page after them can still be whole. On a copy (the damaged file is kept as it was), write a plain
 * header for each likely page size until SQLite reads the outbox through it.
 */
function readOutboxBehindHeader(path: string): { rows: OutboxRow[]; complete: boolean } | null {
  const size = statSync(path).size;
  const copy = `${path}.recovery-${process.pid}`;
  const files = () => ['', '-wal', '-shm'].map((s) => copy + s);
  try {
    for (const pageSize of PAGE_SIZES) {
      if (size < pageSize || size % pageSize !== 0) continue;
      for (const f of files()) rmSync(f, { force: true });
      copyFileSync(path, copy);
      if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
      const fd = openSync(copy, 'r+');
      try {
        writeSync(fd, plainHeader(pageSize, size / pageSize), 0, 100, 0);
      } finally {
        closeSync(fd);
      }
      const found = readOutboxOf(copy);
      if (found.complete || found.rows.length > 0) return { rows: found.rows, complete: found.complete };
    }
    return null;
  } catch {
    return null;
  } finally {
    for (const f of files()) rmSync(f, { force: true });
  }
}

/** A database header as SQLite writes it for a WAL database of `pages` pages (fileformat.html, section 1.3). */
function plainHeader(pageSize: number, pages: number): Buffer {
  const h = Buffer.alloc(100);
  h.write('SQLite format 3\0', 0, 'latin1');
  h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  h.writeUInt8(2, 18); // file format write version: WAL
  h.writeUInt8(2, 19); // read version: WAL
  h.writeUInt8(64, 21); // max embedded payload fraction
  h.writeUInt8(32, 22); // min embedded payload fraction
  h.writeUInt8(32, 23); // leaf payload fraction
  h.writeUInt32BE(1, 24); // change counter
  h.writeUInt32BE(pages, 28); // size in pages, valid because the change counter equals version-valid-for
  h.writeUInt32BE(1, 40); // schema cookie
  h.writeUInt32BE(4, 44); // schema format
  h.writeUInt32BE(1, 56); // text encoding: UTF-8
  h.writeUInt32BE(1, 92); // version-valid-for
  h.writeUInt32BE(3_046_000, 96);
  return h;
}

/** Rename the damaged database and its -wal/-shm files to `<name>.damaged-<time>.sqlite[-wal|-shm]`. */
function setAsideFiles(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(path), `${basename(path, '.sqlite')}.damaged-${stamp}.sqlite`);
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  rmSync(damagedMarker(path), { force: true });
  return aside;
}

function openReplica(path: string, setAside: SetAside | null, outbox: OutboxRow[]): LocalStore {
  const w = new Database(path);
  try {
    w.pragma('journal_mode = WAL');
    ownerOnly(path);
    w.pragma('synchronous = NORMAL');
    w.pragma('foreign_keys = ON');
    w.pragma('busy_timeout = 5000');
    // A first sync writes ~150 MB through this connection. With SQLite's 2 MB default the index pages it
    // touches at random kept being spilled and re-read, and a checkpoint (with its fsync) every 4 MB of WAL
    // made commits the largest cost: 64 MB and a 40 MB WAL took applying a 100,000-ticket first sync
    // (5,000-change pages) from 26 s to 14 s on the 2-core CI machine.
    w.pragma('cache_size = -65536');
    w.pragma('wal_autocheckpoint = 10000');
    migrate(w, migrations);
    if (outbox.length) restoreOutbox(w, outbox);
  } catch (e) {
    w.close();
    throw e;
  }
  const write = new StoreWriter(w);
  // A first sync that stopped half way (crash, quit) left its indexes down: build them now, so this replica
  // searches and reads at full speed even if it stays offline.
  write.finishBulkLoad();
  const r = new Database(path, { readonly: true });
  r.pragma('busy_timeout = 5000');
  // The list's queries read a search index and a ticket index of a million rows each: with 32 MB the pages of
  // one query pushed out the next one's, and text under "Breaching soon" (counting up to 10,000 matches, each
  // checked against its due time) took p95 34 ms over a million tickets, 26 ms with 128 MB. The cache grows only
  // with the pages read: a smaller replica never fills it.
  r.pragma('cache_size = -131072');
  return {
    path,
    read: new StoreReader(r, new TicketClocks(w, r)),
    write,
    setAside,
    markDamaged(reason) {
      try {
        writeFileSync(damagedMarker(path), `${new Date().toISOString()} ${reason}\n`, { mode: 0o600 });
      } catch {
        // Best effort: a full or read-only disk cannot take the note; the agent was told all the same.
      }
    },
    close() {
      r.close();
      w.close();
    },
  };
}

/**
 * Queue the recovered changes again, as they were (same mutation ids, so the server applies each at most
 * once even if it had taken some before the damage). Only the columns this schema has are copied: a replica
 * damaged before a migration ran has fewer.
 */
function restoreOutbox(db: Database.Database, rows: OutboxRow[]): void {
  const columns = new Set((db.pragma('table_info(outbox)') as { name: string }[]).map((c) => c.name));
  db.transaction(() => {
    for (const row of rows) {
      const keys = Object.keys(row).filter((k) => columns.has(k));
      db.prepare(
        `INSERT OR IGNORE INTO outbox (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
      ).run(...keys.map((k) => row[k]));
    }
  })();
}

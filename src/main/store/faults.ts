import { SwitchboardError, type StorageFault } from '../../shared/protocol/errors';

/**
 * SQLite's primary result codes (better-sqlite3 puts the extended name in `code`, e.g. SQLITE_IOERR_WRITE,
 * SQLITE_READONLY_DBMOVED) and the file-system errnos that name each storage fault. Anything else is not a
 * storage fault and stays an internal error.
 */
const SQLITE: Record<string, StorageFault> = {
  SQLITE_FULL: 'disk_full',
  SQLITE_READONLY: 'storage_read_only',
  SQLITE_PERM: 'storage_read_only',
  // Opening a replica whose folder cannot be written (or created) gives CANTOPEN, not READONLY.
  SQLITE_CANTOPEN: 'storage_read_only',
  SQLITE_BUSY: 'storage_locked',
  SQLITE_LOCKED: 'storage_locked',
  SQLITE_CORRUPT: 'storage_corrupt',
  SQLITE_NOTADB: 'storage_corrupt',
};
const ERRNO: Record<string, StorageFault> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EFBIG: 'disk_full',
  EACCES: 'storage_read_only',
  EPERM: 'storage_read_only',
  EROFS: 'storage_read_only',
};

/** The storage fault an error from SQLite or the file system names; null for any other error. */
export function storageFault(e: unknown): StorageFault | null {
  if (e instanceof SwitchboardError) return isStorageFault(e.code) ? e.code : null;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_')) {
    const primary = code.match(/^SQLITE_[A-Z]+/)![0];
    // A short write (SQLITE_IOERR_WRITE and friends) on a full disk, or on a file the system refuses,
    // carries no errno in better-sqlite3's error: its message is all there is.
    if (primary === 'SQLITE_IOERR') return /disk is full|no space/i.test(String(e)) ? 'disk_full' : null;
    return SQLITE[primary] ?? null;
  }
  return ERRNO[code] ?? null;
}

function isStorageFault(code: string): code is StorageFault {
  return code === 'disk_full' || code.startsWith('storage_');
}

/** What to tell the agent, in English (the renderer shows its own sentence for the code in either language). */
const SENTENCE: Record<StorageFault, (where: string) => string> = {
  disk_full: () =>
    'The disk of this computer is full: free some space. Your unsent work is safe and will be sent when there is room.',
  storage_read_only: (where) =>
    `Switchboard cannot write to its data folder (${where}): it is read-only or not yours. ` +
    'Make it writable (or ask your administrator), then retry. Your unsent work is safe.',
  storage_locked: (where) =>
    `Another program is holding Switchboard's data (${where}) (a second Switchboard, a backup or sync tool): ` +
    'close it, then retry. Your unsent work is safe.',
  storage_corrupt: (where) =>
    `The copy of your data on this computer (${where}) is damaged. Sign out and sign in again: the damaged copy ` +
    'is set aside, the unsent work it still holds is recovered, and a fresh copy is downloaded from the server.',
};

/**
 * The error an agent sees for `e`: a storage fault becomes its own code and a sentence with the next step
 * (the original error stays in `cause` for the log); anything else is returned as it was.
 */
export function asStorageError(e: unknown, where: string): unknown {
  if (e instanceof SwitchboardError) return e;
  const fault = storageFault(e);
  if (!fault) return e;
  const err = new SwitchboardError(fault, SENTENCE[fault](where));
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceId } from '../../shared/protocol/sync';

/** Beside the replicas in the data folder, so it is one id per installation (per browser device on a host). */
export const DEVICE_ID_FILE = 'sync-device-id';

function readId(path: string): string | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return DeviceId.safeParse(text).success ? text : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * This installation's device id, made the first time and kept in the data folder for good. The server tells
 * conflicting edits apart by it, so it must be stable across restarts and sign-ins (an outbox made before a
 * restart is this device's own work) and differ between installations: the Electron shell's `deviceId` is the
 * constant 'electron' (the vault's key), which is why sync has an id of its own.
 *
 * Created exclusively ('wx'), so two starts at once agree on one id. A file that is there but holds no valid id
 * (a crash while it was written, damage) is replaced whole, through a temporary file renamed into place.
 */
export function syncDeviceId(dataDir: string): string {
  const path = join(dataDir, DEVICE_ID_FILE);
  const known = readId(path);
  if (known) return known;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const id = randomUUID();
  try {
    writeFileSync(path, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const other = readId(path);
  if (other) return other;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${id}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return id;
}

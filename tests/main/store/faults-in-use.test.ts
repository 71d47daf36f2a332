import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { SwitchboardError } from '../../../src/shared/protocol/errors';
import { asStorageError, openStore, storageFault } from '../../../src/main/store';
import { customer, tempDir, ticket, up } from '../fixtures';

/**
 * A replica too large to check at open (or damaged after it) is found damaged by SQLite in use: the fault is
 * named, and the next open sets the replica aside without trusting it again, keeping its unsent work.
 */
let dir: ReturnType<typeof tempDir>;
let path: string;
const now = () => new Date().toISOString();

beforeEach(() => {
  dir = tempDir('sb-in-use-');
  path = join(dir.path, 'u.sqlite');
});
afterEach(() => dir.remove());

describe('a replica found damaged while in use', () => {
  it('fails the write as storage_corrupt, and the next open sets it aside with its outbox', () => {
    const c = customer({ name: 'Damaged Customer' });
    const tickets = Array.from({ length: 3000 }, (_, i) => ticket(c.id, { subject: `Ticket ${i}` }));
    let store = openStore(path);
    store.write.applyPage([...up.directory(), up.customer(c), ...tickets.map(up.ticket)], 1, 1, now());
    const queued = uuidv7();
    store.write.updateTicketLocally(tickets[0]!.id, { subject: 'Typed before the damage' }, queued, now());
    store.close();

    // Noise over every page of one of the tickets table's indexes: any status change must walk it.
    const db = new Database(path, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = (
      db.prepare(`SELECT pageno FROM dbstat WHERE name = 'tickets_department_status'`).all() as {
        pageno: number;
      }[]
    ).map((r) => r.pageno);
    db.close();
    const fd = openSync(path, 'r+');
    for (const p of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
    closeSync(fd);

    // Above the size checked at open (as a very large replica is): it opens, and SQLite meets the damage later.
    store = openStore(path, { quickCheckMaxBytes: 0 });
    expect(store.setAside).toBeNull();
    let failure: unknown = null;
    try {
      store.write.updateTicketLocally(tickets[1]!.id, { status: 'solved' }, uuidv7(), now());
    } catch (e) {
      failure = e;
    }
    expect(storageFault(failure)).toBe('storage_corrupt');
    const told = asStorageError(failure, path);
    expect(told).toBeInstanceOf(SwitchboardError);
    expect((told as SwitchboardError).message).toMatch(/Sign out and sign in again/);
    store.markDamaged(String(failure));
    store.close();

    // Still not checked at open: the mark alone sets it aside, and the queued edit comes back.
    store = openStore(path, { quickCheckMaxBytes: 0 });
    try {
      expect(store.setAside).toMatchObject({ recovered: 1, outboxReadable: true });
      expect(existsSync(store.setAside!.path)).toBe(true);
      expect(store.read.outbox(10).map((e) => e.mutation.id)).toEqual([queued]);
      expect(store.read.pendingCount()).toBe(1);
    } finally {
      store.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { storePath } from '../../../src/main/services';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, serverTicket, waitFor, type TestDesktop } from '../sync/helpers';

/**
 * Real storage faults, no mocks: a tiny tmpfs that really fills up, a read-only bind mount, a lock held by
 * another process, and replicas damaged by overwriting their pages. Needs root (mount), as CI runs.
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const mounts: string[] = [];

function mount(args: string[], at: string): void {
  mkdirSync(at, { recursive: true });
  execFileSync('mount', [...args, at]);
  mounts.push(at);
}

beforeAll(async () => {
  dir = tempDir('sb-faults-');
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
  dir?.remove();
});

async function signIn(d: TestDesktop, username = 'agent01') {
  return d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });
}

async function anyTicket(d: TestDesktop) {
  return (await d.call('tickets.search', { status: ['new', 'open'], limit: 5 })).rows;
}

/** Write to `file` until the file system says it is full. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe('storage faults reach the agent named, with a next step, and stop the retries', () => {
  it('a full disk: the edit is refused as disk_full, sync stops instead of retrying, and resumes once there is room', async () => {
    const data = join(dir.path, 'full');
    mount(['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs'], data);
    const d = desktop(data, { deviceId: 'full-disk' });
    const other = desktop(join(dir.path, 'full-other'), { deviceId: 'full-other' });
    try {
      const info = await signIn(d);
      await d.waitSynced();
      await signIn(other);
      await other.waitSynced();
      const [a, b] = await anyTicket(d);

      fillDisk(join(data, 'filler'));
      // A change made elsewhere reaches this desktop, which cannot store it: its sync must stop and say why.
      await other.call('tickets.update', {
        id: a!.id,
        patch: { subject: 'Changed while the disk was full' },
      });
      await waitFor(
        async () => (await d.call('sync.status', {})).storageFault === 'disk_full',
        'disk_full status',
      );
      const stopped = await d.call('sync.status', {});
      expect(stopped.nextRetryAt).toBeNull();
      expect(stopped.lastError).toMatch(/disk of this computer is full/);

      const edit = await d.services.invoke('tickets.update', { id: b!.id, patch: { priority: 'urgent' } });
      expect(edit.ok).toBe(false);
      if (!edit.ok) {
        expect(edit.error.code).toBe('disk_full');
        expect(edit.error.message).toMatch(/free some space/);
      }

      // Room again: the engine notices by itself and catches up; the agent's next edit goes through.
      rmSync(join(data, 'filler'));
      await waitFor(
        async () => (await d.call('sync.status', {})).storageFault === null,
        'the fault to clear',
      );
      await d.call('tickets.update', { id: b!.id, patch: { priority: 'urgent' } });
      await d.waitSynced();
      expect((await d.call('tickets.get', { id: a!.id })).ticket.subject).toBe(
        'Changed while the disk was full',
      );
      expect(existsSync(storePath(data, server.url, info.user.id))).toBe(true);
    } finally {
      await d.services.dispose();
      await other.services.dispose();
    }
  }, 90_000);

  it('a read-only data folder: sign-in says the folder cannot be written, not "something went wrong"', async () => {
    const src = join(dir.path, 'ro-src');
    mkdirSync(src, { recursive: true });
    const data = join(dir.path, 'ro');
    mount(['--bind', src], data);
    execFileSync('mount', ['-o', 'remount,bind,ro', data]);
    const d = desktop(data, { deviceId: 'read-only' });
    try {
      const r = await d.services.invoke('auth.login', {
        serverUrl: server.url,
        username: 'agent02',
        password: 'switchboard',
        remember: false,
      });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('storage_read_only');
        expect(r.error.message).toMatch(/cannot write to its data folder/);
      }
    } finally {
      await d.services.dispose();
    }
  });

  it('a replica locked by another program past the busy timeout: storage_locked, and the edit goes through once it lets go', async () => {
    const data = join(dir.path, 'locked');
    const d = desktop(data, { deviceId: 'locked' });
    let holder: Holder | null = null;
    try {
      const info = await signIn(d, 'agent03');
      await d.waitSynced();
      const [t] = await anyTicket(d);
      const replica = storePath(data, server.url, info.user.id);

      // A lock held briefly (well under the 5 s busy timeout) is waited out: the edit saves.
      holder = holdWriteLock(replica, 300);
      await holder.held;
      await d.call('tickets.update', { id: t!.id, patch: { priority: 'high' } });
      await holder.exited;

      // Held past the busy timeout: the agent is told what holds it and what to do.
      holder = holdWriteLock(replica);
      await holder.held;

      const edit = await d.services.invoke('tickets.update', { id: t!.id, patch: { priority: 'low' } });
      expect(edit.ok).toBe(false);
      if (!edit.ok) {
        expect(edit.error.code).toBe('storage_locked');
        expect(edit.error.message).toMatch(/Another program/);
      }
      expect((await d.call('sync.status', {})).storageFault).toBe('storage_locked');

      holder.child.stdin!.end();
      await holder.exited;
      holder = null;
      await d.call('tickets.update', { id: t!.id, patch: { priority: 'low' } });
      await d.waitSynced();
      expect((await d.call('sync.status', {})).storageFault).toBeNull();
    } finally {
      holder?.child.kill();
      await d.services.dispose();
    }
  }, 60_000);
});

/**
 * Another process holding the replica's write lock until its stdin closes (or for `releaseAfterMs`); it prints
 * a line once it holds it.
 */
interface Holder {
  child: ChildProcess;
  held: Promise<void>;
  exited: Promise<void>;
}

function holdWriteLock(path: string, releaseAfterMs?: number): Holder {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    const release = () => { db.exec('ROLLBACK'); db.close(); process.exit(0); };
    ${releaseAfterMs === undefined ? '' : `setTimeout(release, ${releaseAfterMs});`}
    process.stdin.on('end', release);
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') },
  });
  return {
    child,
    held: new Promise((resolve) => child.stdout!.once('data', () => resolve())),
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
  };
}

describe('a damaged replica is set aside, its unsent work recovered, and the replica rebuilt', () => {
  /** Sign in, sync, queue `edits` while the server is down, and quit: the replica holds an outbox. */
  async function replicaWithOutbox(data: string, username: string) {
    const d = desktop(data, { deviceId: `damaged-${username}` });
    const info = await signIn(d, username);
    await d.waitSynced();
    const [a, b] = await anyTicket(d);
    await server.close();
    await waitFor(async () => (await d.call('sync.status', {})).state !== 'online', 'offline');
    await d.call('tickets.update', { id: a!.id, patch: { subject: `Typed offline by ${username}` } });
    await d.call('tickets.comment', { ticketId: b!.id, body: `Offline note by ${username}` });
    expect((await d.call('sync.status', {})).pending).toBe(2);
    await d.services.dispose();
    server = await reopenTestServer(server);
    return { path: storePath(data, server.url, info.user.id), a: a!.id, b: b!.id };
  }

  /** Overwrite whole pages of the database file with noise. */
  function overwritePages(path: string, pages: number[], pageSize: number) {
    const fd = openSync(path, 'r+');
    try {
      for (const p of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
    } finally {
      closeSync(fd);
    }
  }

  function asideFiles(path: string): string[] {
    const folder = join(path, '..');
    return readdirSync(folder).filter((f) => f.includes('.damaged-'));
  }

  it('damaged near its end: opens as a new replica, the queued edit and comment reach the server', async () => {
    const data = join(dir.path, 'tail');
    const { path, a, b } = await replicaWithOutbox(data, 'agent04');
    // The last pages of the tickets table and its indexes: the outbox, on its own pages, stays readable.
    const db = new Database(path, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = (
      db
        .prepare(
          `SELECT pageno FROM dbstat WHERE name = 'tickets' OR name LIKE 'tickets_%' ORDER BY pageno DESC LIMIT 4`,
        )
        .all() as { pageno: number }[]
    ).map((r) => r.pageno);
    db.close();
    overwritePages(path, pages, pageSize);

    const d = desktop(data, { deviceId: 'damaged-agent04' });
    try {
      await signIn(d, 'agent04');
      await d.waitSynced();
      // On the server: the work typed offline was recovered from the damaged copy and pushed.
      const { accessToken } = await apiLogin(server.url, 'agent04');
      expect((await serverTicket(server.url, accessToken, a)).ticket.subject).toBe(
        'Typed offline by agent04',
      );
      const comments = (await serverTicket(server.url, accessToken, b)).comments.map((c) => c.body);
      expect(comments).toContain('Offline note by agent04');
      // Here: a full replica again, and the damaged one kept beside it.
      expect((await d.call('tickets.get', { id: a })).ticket.subject).toBe('Typed offline by agent04');
      expect((await d.call('tickets.search', { limit: 1 })).total).toBeGreaterThan(10);
      const status = await d.call('sync.status', {});
      expect(status.setAside).toMatchObject({ recovered: 2, outboxReadable: true });
      expect(existsSync(status.setAside!.path)).toBe(true);
      expect(asideFiles(path)).toHaveLength(1);
    } finally {
      await d.services.dispose();
    }
  }, 90_000);

  it('damaged at its header: the outbox is read behind a rebuilt header, pushed, and the copy kept aside', async () => {
    const data = join(dir.path, 'head');
    const { path, a, b } = await replicaWithOutbox(data, 'agent05');
    // The 100-byte header (magic string, page size, format) overwritten: SQLite calls it "not a database".
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
    closeSync(fd);

    const d = desktop(data, { deviceId: 'damaged-agent05' });
    try {
      await signIn(d, 'agent05');
      await d.waitSynced();
      const { accessToken } = await apiLogin(server.url, 'agent05');
      expect((await serverTicket(server.url, accessToken, a)).ticket.subject).toBe(
        'Typed offline by agent05',
      );
      const comments = (await serverTicket(server.url, accessToken, b)).comments.map((c) => c.body);
      expect(comments).toContain('Offline note by agent05');
      expect((await d.call('tickets.search', { limit: 1 })).total).toBeGreaterThan(10);
      const status = await d.call('sync.status', {});
      expect(status.setAside).toMatchObject({ recovered: 2, outboxReadable: true });
      // Kept as it was found (header still damaged), for whoever wants to look at it; no recovery copy left.
      expect(asideFiles(path)).toEqual([basename(status.setAside!.path)]);
      expect(readFileSync(status.setAside!.path).subarray(0, 100)).toEqual(Buffer.alloc(100, 0x5a));
    } finally {
      await d.services.dispose();
    }
  }, 90_000);
});

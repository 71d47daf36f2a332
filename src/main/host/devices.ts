import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventMessage } from '../../shared/ipc/contract';
import { createDesktopServices, type DesktopServices } from '../services';
import { isReplicaFile } from '../store';
import { createVault, type CredentialVault } from '../vault';

/** A device id the browser made up and keeps in localStorage; used in a path, so strictly shaped. */
export const DEVICE_ID = /^[A-Za-z0-9_-]{8,64}$/;

interface Device {
  services: DesktopServices;
  sockets: Set<(m: EventMessage) => void>;
  closeTimer: NodeJS.Timeout | null;
  /** The host's own sign-in from the remembered session, which a tab's calls wait for. */
  resuming: Promise<unknown> | null;
}

/** A replica of a device and the mutations it holds that the server has not had. */
interface Outbox {
  replica: string;
  pending: number;
}

/**
 * The unsent mutations of every replica of a device, read without opening them for writing
 * (`devices/<id>/<server hash>/<user id>.sqlite`). A replica that cannot be read is reported with -1,
 * so it is named in the log rather than silently passed over.
 */
function unsentOutboxes(deviceDir: string): Outbox[] {
  const found: Outbox[] = [];
  const dirs = readdirSync(deviceDir, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const server of dirs) {
    const folder = join(deviceDir, server.name);
    for (const file of readdirSync(folder)) {
      if (!isReplicaFile(file)) continue;
      const replica = join(folder, file);
      let pending: number;
      try {
        const db = new Database(replica, { readonly: true, fileMustExist: true });
        try {
          pending = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        pending = -1;
      }
      if (pending !== 0) found.push({ replica, pending });
    }
  }
  return found;
}

/** unsentOutboxes, or none for a device folder that cannot be listed (nothing to report then). */
function outboxesOf(deviceDir: string): Outbox[] {
  try {
    return unsentOutboxes(deviceDir);
  } catch {
    return [];
  }
}

const changes = (n: number) => (n === 1 ? '1 unsent change' : `${n} unsent changes`);

/**
 * One set of desktop services per browser device, shared by its tabs. After the last tab closes they are
 * kept for a short grace (a reload must not sign the agent out), and for as long as the signed-in session
 * has unsent mutations: an agent who closes the tab during an outage still has their work pushed when the
 * server comes back. Each device has its own replica folder, so two agents in two browsers are two
 * independent desktops. Disposing services closes a replica; nothing here ever deletes one.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, Device>();
  private vault: Promise<CredentialVault> | null = null;
  private closed = false;

  constructor(
    private readonly o: {
      dataDir: string;
      graceMs: number;
      log?: (l: string) => void;
      vault?: CredentialVault;
      /** The servers its devices may sign in to; null: any. */
      serverUrls?: readonly string[] | null;
    },
  ) {}

  private getVault(): Promise<CredentialVault> {
    this.vault ??= this.o.vault ? Promise.resolve(this.o.vault) : createVault({ dataDir: this.o.dataDir });
    return this.vault;
  }

  /** The device's services, created (with its folder) on first use. */
  private async device(deviceId: string): Promise<Device> {
    const known = this.devices.get(deviceId);
    if (known) return known;
    const vault = await this.getVault();
    const again = this.devices.get(deviceId);
    if (again) return again;
    if (this.closed) throw new Error('the host is shutting down');
    const sockets = new Set<(m: EventMessage) => void>();
    const dataDir = join(this.o.dataDir, 'devices', deviceId);
    // Owner-only, also for folders an older version made with the umask's modes.
    for (const dir of [join(this.o.dataDir, 'devices'), dataDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
    const services = createDesktopServices({
      dataDir,
      deviceId,
      vault,
      emit: (event, payload) => {
        for (const s of sockets) s({ event, payload });
        // Without a tab, every report (a push done, the session ended) may be the moment to let go.
        if (sockets.size === 0) this.settle(deviceId);
      },
      log: this.o.log,
      allowedServerUrls: this.o.serverUrls ?? null,
    });
    const d: Device = { services, sockets, closeTimer: null, resuming: null };
    this.devices.set(deviceId, d);
    return d;
  }

  async attach(
    deviceId: string,
    send: (m: EventMessage) => void,
  ): Promise<{ services: DesktopServices; detach(): void }> {
    const device = await this.device(deviceId);
    if (device.closeTimer) clearTimeout(device.closeTimer);
    device.closeTimer = null;
    device.sockets.add(send);
    // The host is signing this device in: the tab asks for its session once that is settled.
    await device.resuming?.catch(() => undefined);
    return {
      services: device.services,
      detach: () => {
        device.sockets.delete(send);
        this.settle(deviceId);
      },
    };
  }

  /**
   * A device with no tab: kept while its session has unsent work; otherwise disposed after the grace,
   * unless a tab comes back or work appears meanwhile.
   */
  private settle(deviceId: string): void {
    const d = this.devices.get(deviceId);
    if (!d || d.sockets.size > 0 || d.resuming) return;
    if ((d.services.outbox()?.pending ?? 0) > 0) {
      if (d.closeTimer) clearTimeout(d.closeTimer);
      d.closeTimer = null;
      return;
    }
    if (d.closeTimer) return;
    d.closeTimer = setTimeout(() => {
      d.closeTimer = null;
      if (d.sockets.size > 0 || this.devices.get(deviceId) !== d) return;
      if ((d.services.outbox()?.pending ?? 0) > 0) return;
      this.devices.delete(deviceId);
      // Signed out or ended by the server with work unsent: it stays on disk, and the operator hears of it.
      void d.services
        .dispose()
        .then(() =>
          this.leftOnDisk(
            deviceId,
            outboxesOf(join(this.o.dataDir, 'devices', deviceId)),
            'no signed-in session to push them',
          ),
        )
        .catch((e: unknown) =>
          this.o.log?.(`host: device ${deviceId}: closing its services: ${describe(e)}`),
        );
    }, this.o.graceMs);
    d.closeTimer.unref();
  }

  /**
   * At start: every device whose replicas hold unsent mutations signs in from its remembered session and
   * pushes them with no tab open. Work no remembered session can push stays on disk for the next sign-in
   * in that browser, and the log says so, one line per device.
   */
  async resumeAll(): Promise<void> {
    const root = join(this.o.dataDir, 'devices');
    if (!existsSync(root)) return;
    const waiting: Promise<void>[] = [];
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !DEVICE_ID.test(entry.name)) continue;
      let outboxes: Outbox[];
      try {
        outboxes = unsentOutboxes(join(root, entry.name));
      } catch (e) {
        this.o.log?.(`host: device ${entry.name}: could not look for unsent changes: ${describe(e)}`);
        continue;
      }
      if (outboxes.length > 0) waiting.push(this.resume(entry.name, outboxes));
    }
    await Promise.all(waiting);
  }

  private async resume(deviceId: string, outboxes: Outbox[]): Promise<void> {
    let d: Device;
    try {
      d = await this.device(deviceId);
    } catch (e) {
      if (!this.closed)
        this.o.log?.(`host: device ${deviceId}: could not start its services: ${describe(e)}`);
      return;
    }
    const resuming = d.services.resume();
    d.resuming = resuming;
    let user: string | null = null;
    try {
      user = (await resuming)?.user.username ?? null;
    } catch (e) {
      this.o.log?.(`host: device ${deviceId}: could not sign in from the remembered session: ${describe(e)}`);
    } finally {
      d.resuming = null;
    }
    const live = d.services.outbox();
    if (live && live.pending > 0) {
      this.o.log?.(`host: device ${deviceId}: pushing ${changes(live.pending)} of ${user} with no tab open`);
    }
    const left = outboxes.filter((o) => !live || resolve(o.replica) !== resolve(live.replica));
    this.leftOnDisk(deviceId, left, 'no remembered session to push them');
    this.settle(deviceId);
  }

  /** One log line for a device's unsent work that nothing will push until its browser signs in again. */
  private leftOnDisk(deviceId: string, outboxes: Outbox[], why: string): void {
    if (outboxes.length === 0) return;
    const unreadable = outboxes.filter((o) => o.pending < 0).length;
    const count = outboxes.reduce((n, o) => n + Math.max(o.pending, 0), 0);
    this.o.log?.(
      `host: device ${deviceId}: ${changes(count)}${unreadable ? ` and ${unreadable} unreadable replica(s)` : ''} ` +
        `wait on disk (${why}); they are pushed when that browser signs in again`,
    );
  }

  get size(): number {
    return this.devices.size;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.devices.values()];
    this.devices.clear();
    for (const d of all) if (d.closeTimer) clearTimeout(d.closeTimer);
    await Promise.all(all.map((d) => d.services.dispose()));
  }
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

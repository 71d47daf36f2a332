import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventMessage } from '../../shared/ipc/contract';
import { createDesktopServices, type DesktopServices } from '../services';
import { createVault, type CredentialVault } from '../vault';

/** A device id the browser made up and keeps in localStorage; used in a path, so strictly shaped. */
export const DEVICE_ID = /^[A-Za-z0-9_-]{8,64}$/;

interface Device {
  services: DesktopServices;
  sockets: Set<(m: EventMessage) => void>;
  closeTimer: NodeJS.Timeout | null;
}

/**
 * One set of desktop services per browser device, shared by its tabs and kept for a short grace after
 * the last tab closes (a reload must not sign the agent out). Each device has its own replica folder,
 * so two agents in two browsers are two independent desktops.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, Device>();
  private vault: Promise<CredentialVault> | null = null;

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

  async attach(
    deviceId: string,
    send: (m: EventMessage) => void,
  ): Promise<{ services: DesktopServices; detach(): void }> {
    let d = this.devices.get(deviceId);
    if (!d) {
      const vault = await this.getVault();
      d = this.devices.get(deviceId);
      if (!d) {
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
          },
          log: this.o.log,
          allowedServerUrls: this.o.serverUrls ?? null,
        });
        d = { services, sockets, closeTimer: null };
        this.devices.set(deviceId, d);
      }
    }
    const device = d;
    if (device.closeTimer) clearTimeout(device.closeTimer);
    device.closeTimer = null;
    device.sockets.add(send);
    return {
      services: device.services,
      detach: () => {
        device.sockets.delete(send);
        if (device.sockets.size > 0) return;
        device.closeTimer = setTimeout(() => {
          if (device.sockets.size > 0 || this.devices.get(deviceId) !== device) return;
          this.devices.delete(deviceId);
          void device.services.dispose();
        }, this.o.graceMs);
        device.closeTimer.unref();
      },
    };
  }

  get size(): number {
    return this.devices.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.devices.values()];
    this.devices.clear();
    for (const d of all) if (d.closeTimer) clearTimeout(d.closeTimer);
    await Promise.all(all.map((d) => d.services.dispose()));
  }
}

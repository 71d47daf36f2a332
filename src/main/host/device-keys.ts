import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { z } from 'zod';

/** 32 random bytes, base64url: what the host hands each browser in its device cookie. */
const KEY = /^[A-Za-z0-9_-]{43}$/;
/** Chromium keeps a cookie at most 400 days; every page load renews it. */
const MAX_AGE_S = 400 * 24 * 3600;

/**
 * Cookies are shared by every port of a host name, so two hosts on one machine (or a host and anything else
 * on 127.0.0.1) would overwrite each other's key under one name: the port is part of it.
 */
export const deviceCookieName = (port: number) => `switchboard_device_key_${port}`;

export const newDeviceKey = () => randomBytes(32).toString('base64url');

/**
 * HttpOnly: no script on the page (an injected one included) can read it; SameSite=Strict: no other site's
 * page makes the browser send it.
 */
export const deviceKeyCookie = (port: number, key: string) =>
  `${deviceCookieName(port)}=${key}; Path=/; Max-Age=${MAX_AGE_S}; HttpOnly; SameSite=Strict`;

/** The device key the request carries, or null when it has none of the right shape. */
export function readDeviceKey(req: IncomingMessage, port: number): string | null {
  const name = deviceCookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (KEY.test(value)) return value;
  }
  return null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest();

const KeysFile = z.object({ version: z.literal(1), devices: z.record(z.string(), z.string()) });

/**
 * Which browser each device id belongs to: the SHA-256 of the key in that browser's cookie, recorded when
 * the device first connects and kept in `file` (owner-only) so a restarted host keeps every device signed
 * in. The device id alone (it sits in localStorage and in URLs) is no longer enough to reach a device.
 */
export class DeviceKeys {
  private readonly devices = new Map<string, Buffer>();

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    chmodSync(file, 0o600);
    let parsed: z.infer<typeof KeysFile>;
    try {
      parsed = KeysFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      // Starting with no records would let the first browser to name a device id take it over.
      throw new Error(
        `${file} is unreadable (${e instanceof Error ? e.message : String(e)}). Restore it, or delete it so ` +
          'every browser is registered again on its next connection.',
        { cause: e },
      );
    }
    for (const [id, hex] of Object.entries(parsed.devices)) this.devices.set(id, Buffer.from(hex, 'hex'));
  }

  /**
   * May the browser holding `key` use `deviceId`? A device id never seen before is bound to this key now.
   */
  admit(deviceId: string, key: string): boolean {
    if (this.devices.has(deviceId)) return this.mayUse(deviceId, key);
    this.devices.set(deviceId, hashKey(key));
    try {
      this.save();
    } catch (e) {
      this.devices.delete(deviceId); // not on disk: a restart would forget it, so it is not bound yet
      throw e;
    }
    return true;
  }

  /** Would admit() let this key use this device? (No key: only a device nobody has claimed.) */
  mayUse(deviceId: string, key: string | null): boolean {
    const known = this.devices.get(deviceId);
    if (!known) return true;
    if (!key) return false;
    const hash = hashKey(key);
    return known.length === hash.length && timingSafeEqual(known, hash);
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const devices = Object.fromEntries([...this.devices].map(([id, h]) => [id, h.toString('hex')]));
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, devices }), { mode: 0o600 });
    chmodSync(tmp, 0o600); // a leftover tmp keeps the mode it was created with
    renameSync(tmp, this.file);
  }
}

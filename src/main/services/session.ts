import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Department, User } from '../../shared/domain';
import type { EventName, EventPayload, SessionInfo } from '../../shared/ipc/contract';
import type { LoginResponse } from '../../shared/protocol/auth';
import { SwitchboardError } from '../../shared/protocol/errors';
import { asStorageError, META, openStore, type LocalStore } from '../store';
import { SyncEngine, type ConnectionFactory } from '../sync';
import * as api from '../sync/server-api';
import type { CredentialVault } from '../vault';

/** What the vault keeps for remember-me: enough to reopen the replica offline and to sign in again. */
const Remembered = z.object({
  serverUrl: z.string(),
  username: z.string(),
  refreshToken: z.string(),
  user: User,
  department: Department.nullable(),
});
type Remembered = z.infer<typeof Remembered>;

export interface SessionDeps {
  dataDir: string;
  deviceId: string;
  vault: CredentialVault;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  log?: (line: string) => void;
  connect?: ConnectionFactory;
  /** The central services sign-in may name; null or absent: any. */
  allowedServerUrls?: readonly string[] | null;
}

export interface ActiveSession {
  info: SessionInfo;
  store: LocalStore;
  engine: SyncEngine;
}

/** The server address as the user means it: no trailing slash, so one server is one folder. */
export const normaliseServerUrl = (url: string) => url.trim().replace(/\/+$/, '');

/** A server address compared by what it reaches: scheme, host, port and path, case and slashes aside. */
function canonicalServerUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || u.search || u.hash) return null;
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

/**
 * A comma-separated list of server addresses (SWITCHBOARD_SERVER_URLS); null when unset or empty.
 * Throws on an entry that is not a plain http(s) address, so a typo stops the start instead of every sign-in.
 */
export function parseServerUrls(list: string | undefined): string[] | null {
  const entries = (list ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  for (const e of entries) {
    if (canonicalServerUrl(e) === null) {
      throw new Error(
        `SWITCHBOARD_SERVER_URLS: "${e}" is not an http(s) address such as http://127.0.0.1:4000`,
      );
    }
  }
  return entries.map(normaliseServerUrl);
}

/** One replica per server and user: `${dataDir}/${hash(serverUrl)}/${userId}.sqlite`. */
export function storePath(dataDir: string, serverUrl: string, userId: string): string {
  const h = createHash('sha256').update(normaliseServerUrl(serverUrl)).digest('hex').slice(0, 16);
  return join(dataDir, h, `${userId}.sqlite`);
}

/** Signs in and out and owns the open replica and its sync engine while signed in. */
export class SessionManager {
  private active: ActiveSession | null = null;
  private username = '';

  constructor(private readonly d: SessionDeps) {}

  get current(): ActiveSession | null {
    return this.active;
  }

  require(): ActiveSession {
    if (!this.active) throw new SwitchboardError('unauthenticated', 'Sign in first.');
    return this.active;
  }

  async login(input: {
    serverUrl: string;
    username: string;
    password: string;
    remember: boolean;
  }): Promise<SessionInfo> {
    const serverUrl = normaliseServerUrl(input.serverUrl);
    this.checkAllowed(serverUrl);
    let r: LoginResponse;
    try {
      r = await api.login(serverUrl, input.username, input.password);
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unauthenticated') {
        throw new SwitchboardError('unauthenticated', 'Wrong username or password.');
      }
      throw e;
    }
    await this.close();
    this.username = input.username;
    let remembered = false;
    if (input.remember && (await this.d.vault.available())) {
      remembered = await this.remember({
        serverUrl,
        username: input.username,
        refreshToken: r.refreshToken,
        user: r.user,
        department: r.department,
      });
    } else {
      await this.forget();
    }
    return this.open(
      { serverUrl, user: r.user, department: r.department, remembered },
      r.accessToken,
      r.refreshToken,
    );
  }

  /** Whether remember-me has a secure place to keep the refresh token (never plain text). */
  canRemember(): Promise<boolean> {
    return this.d.vault.available();
  }

  /** Sign in from the vault. Offline, the replica opens anyway and sync waits for the network. */
  async restore(): Promise<SessionInfo | null> {
    if (this.active) return this.active.info;
    if (!(await this.d.vault.available())) return null;
    const raw = await this.d.vault.get(this.d.deviceId).catch(() => null);
    if (!raw) return null;
    let saved: Remembered;
    try {
      saved = Remembered.parse(JSON.parse(raw));
    } catch {
      await this.forget();
      return null;
    }
    if (!this.serverAllowed(saved.serverUrl)) {
      this.d.log?.(`session: ${saved.serverUrl} is no longer an allowed server; sign in again`);
      await this.forget();
      return null;
    }
    this.username = saved.username;
    try {
      const r = await api.refresh(saved.serverUrl, saved.refreshToken);
      await this.remember({ ...saved, refreshToken: r.refreshToken, user: r.user, department: r.department });
      return this.open(
        { serverUrl: saved.serverUrl, user: r.user, department: r.department, remembered: true },
        r.accessToken,
        r.refreshToken,
      );
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unavailable') {
        this.d.log?.(`session: server unreachable, opening the local copy for ${saved.username}`);
        const info = {
          serverUrl: saved.serverUrl,
          user: saved.user,
          department: saved.department,
          remembered: true,
        };
        return this.open(info, null, saved.refreshToken);
      }
      await this.forget();
      if (e instanceof SwitchboardError && e.code === 'forbidden') {
        const path = storePath(this.d.dataDir, saved.serverUrl, saved.user.id);
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      }
      return null;
    }
  }

  private serverAllowed(serverUrl: string): boolean {
    const allowed = this.d.allowedServerUrls;
    if (!allowed) return true;
    const wanted = canonicalServerUrl(serverUrl);
    return wanted !== null && allowed.some((a) => canonicalServerUrl(a) === wanted);
  }

  /**
   * On a shared host, a browser must not turn sign-in into a probe of the host's network (any port on
   * 127.0.0.1, the intranet): only the servers its operator named are contacted at all.
   */
  private checkAllowed(serverUrl: string): void {
    if (this.serverAllowed(serverUrl)) return;
    throw new SwitchboardError(
      'forbidden',
      `This desktop may sign in only to ${this.d.allowedServerUrls!.join(' or ')}, not ${serverUrl}. ` +
        'Use one of those, or ask whoever runs it to add the address to SWITCHBOARD_SERVER_URLS.',
    );
  }

  async logout(): Promise<void> {
    const s = this.active;
    if (!s) return;
    const { refreshToken } = s.engine.tokens;
    await this.close();
    await this.forget();
    // Best effort: the token is forgotten here whatever the server says.
    await api.logout(s.info.serverUrl, refreshToken).catch(() => undefined);
  }

  async close(): Promise<void> {
    const s = this.active;
    this.active = null;
    if (!s) return;
    await s.engine.stop();
    s.store.close();
  }

  private open(info: SessionInfo, accessToken: string | null, refreshToken: string): SessionInfo {
    // A damaged replica is set aside and rebuilt here; a full, read-only or locked one throws its own code.
    const store = openStore(storePath(this.d.dataDir, info.serverUrl, info.user.id), { log: this.d.log });
    try {
      store.write.setMeta(META.sessionUser, JSON.stringify({ user: info.user, department: info.department }));
    } catch (e) {
      store.close();
      throw asStorageError(e, store.path);
    }
    const engine = new SyncEngine({
      serverUrl: info.serverUrl,
      userId: info.user.id,
      store,
      accessToken,
      refreshToken,
      refresh: (token) => api.refresh(info.serverUrl, token),
      onTokens: async (t) => {
        if (info.remembered) {
          await this.remember({
            serverUrl: info.serverUrl,
            username: this.username,
            refreshToken: t.refreshToken,
            user: t.user,
            department: t.department,
          });
        }
      },
      emit: (event, payload) => {
        if (event === 'session.ended') {
          void this.endedByServer((payload as EventPayload<'session.ended'>).accountDisabled);
        }
        this.d.emit(event, payload);
      },
      connect: this.d.connect,
      log: this.d.log,
    });
    this.active = { info, store, engine };
    engine.start();
    return info;
  }

  /**
   * A disabled account has no scope left: its copy of customers and tickets must not stay on this machine.
   * A session that merely ended keeps the copy (and its unsent work) for the next sign-in.
   */
  private async endedByServer(accountDisabled: boolean): Promise<void> {
    const path = this.active?.store.path;
    await this.forget();
    await this.close();
    if (accountDisabled && path) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      this.d.log?.('session: account disabled; the local copy was deleted');
    }
  }

  private async remember(r: Remembered): Promise<boolean> {
    try {
      await this.d.vault.set(this.d.deviceId, JSON.stringify(r));
      return true;
    } catch (e) {
      this.d.log?.(
        `session: could not store the credential (${this.d.vault.kind}): ${e instanceof Error ? e.message : e}`,
      );
      return false;
    }
  }

  private async forget(): Promise<void> {
    await this.d.vault.delete(this.d.deviceId).catch(() => undefined);
  }
}

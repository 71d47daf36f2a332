import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { AdminConfig, CONFIG_REST } from '../../shared/admin';
import { Department, User } from '../../shared/domain';
import type { EventName, EventPayload, OfflineCheck, SessionInfo } from '../../shared/ipc/contract';
import type { LoginResponse } from '../../shared/protocol/auth';
import { SwitchboardError } from '../../shared/protocol/errors';
import { OfflineVerifiers, ServerCheck, type OfflineStatus } from '../auth-offline';
import { asStorageError, META, openStore, type LocalStore } from '../store';
import type { NotSentStore } from '../store/not-sent';
import { SyncEngine, type ConnectionFactory } from '../sync';
import { syncDeviceId } from '../sync/device-id';
import * as api from '../sync/server-api';
import type { CredentialVault } from '../vault';
import { SlaKeeper } from './sla-keeper';
import { fetchServiceModel, modelCachePath, TriageKeeper, TriageModelCache } from '../triage'; // triage (issue 15)
import { dropReplicaOfDisabledAccount, openNotSentFor, resendUnanswered } from './unsent-work';

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
  /** Replaced when an offline sign-in is accepted by the server: the first one never ran. */
  engine: SyncEngine;
  /** Signed in offline: watches for the server to accept the session before anything is sent. */
  check: ServerCheck | null;
  /** The agent's changes that did not go (refused, or saved from a replica that had to go); outlives the replica. */
  notSent: NotSentStore;
  /** SLA: the cached configuration, the replica's due times and the breach watcher. */
  sla: SlaKeeper;
  /** Triage (issue 15): the service's model kept for offline use; triages the tickets made here. */
  triage: TriageKeeper;
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
  private readonly verifiers: OfflineVerifiers;

  constructor(private readonly d: SessionDeps) {
    this.verifiers = new OfflineVerifiers(d.dataDir);
  }

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
    offline?: boolean;
  }): Promise<SessionInfo> {
    const serverUrl = normaliseServerUrl(input.serverUrl);
    this.checkAllowed(serverUrl);
    let r: LoginResponse;
    try {
      r = await api.login(serverUrl, input.username, input.password);
    } catch (e) {
      // Only an unreachable server opens the offline way: a "no" from the server is final.
      if (input.offline && e instanceof SwitchboardError && e.code === 'unavailable') {
        return this.loginOffline({ ...input, serverUrl });
      }
      if (e instanceof SwitchboardError && (e.code === 'wrong_credentials' || e.code === 'unauthenticated')) {
        await this.refusedOnline(serverUrl, input.username, input.password);
      }
      if (e instanceof SwitchboardError && e.code === 'unauthenticated') {
        throw new SwitchboardError('unauthenticated', 'Wrong username or password.');
      }
      throw e;
    }
    await this.recordVerifier(serverUrl, input.username, input.password, r);
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
      { serverUrl, user: r.user, department: r.department, remembered, offline: null },
      r.accessToken,
      r.refreshToken,
    );
  }

  /**
   * Offline sign-in: the server is out of reach, so the password is checked against the verifier of the last
   * online sign-in here and the replica opens; sync stays off until the server has accepted the session
   * (ServerCheck), so nothing is sent on the strength of a local check alone.
   */
  private async loginOffline(input: {
    serverUrl: string;
    username: string;
    password: string;
    remember: boolean;
  }): Promise<SessionInfo> {
    const entry = await this.verifiers.verify(input.serverUrl, input.username, input.password);
    await this.close();
    this.username = entry.username;
    this.d.log?.(`session: ${entry.username} signed in offline; nothing is sent until the server accepts it`);
    const saved = await this.rememberedFor(input.serverUrl, entry.user.id);
    const info: SessionInfo = {
      serverUrl: input.serverUrl,
      user: entry.user,
      department: entry.department,
      remembered: saved !== null,
      offline: { check: 'waiting', refusal: null },
    };
    const { store, notSent } = this.openReplica(info);
    // An engine that is never started: it reports the outbox, and any call that needs the server says offline.
    const idle = this.engine(info, store, null, '');
    const session: ActiveSession = {
      info,
      store,
      engine: idle,
      check: null,
      notSent,
      sla: this.slaKeeper(info, store),
      triage: this.triageKeeper(info, store),
    };
    this.active = session;
    session.sla.start();
    session.triage.start();
    session.check = new ServerCheck({
      serverUrl: info.serverUrl,
      username: entry.username,
      refreshToken: saved?.refreshToken ?? null,
      log: this.d.log,
      onState: (state) => this.offlineState(session, state),
      onVerified: (tokens, password) => this.acceptedByServer(session, tokens, password, input.remember),
    });
    return info;
  }

  /** What the sign-in screen says about signing in offline as this user here. */
  offlineStatus(serverUrl: string, username: string): Promise<OfflineStatus> {
    return this.verifiers.status(normaliseServerUrl(serverUrl), username);
  }

  /** The agent typed their password into the prompt after an offline sign-in. */
  async confirm(password: string): Promise<SessionInfo> {
    const s = this.require();
    if (!s.check) return s.info;
    try {
      await s.check.confirm(password);
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'wrong_credentials') {
        await this.refusedOnline(s.info.serverUrl, this.username, password);
      }
      throw e;
    }
    return this.active?.info ?? s.info;
  }

  /** Offline, the ConnectionBanner's "Retry now" also means "look for the server to check my sign-in". */
  retryNow() {
    const s = this.active;
    s?.check?.retryNow();
    return s?.engine.retryNow();
  }

  private offlineState(s: ActiveSession, state: OfflineCheck): void {
    if (this.active !== s) return;
    s.info = { ...s.info, offline: state };
    this.d.emit('session.changed', s.info);
  }

  /** The server accepted an offline session: from now on it is an ordinary one, and the outbox may go. */
  private async acceptedByServer(
    s: ActiveSession,
    r: LoginResponse,
    password: string | null,
    rememberRequested: boolean,
  ): Promise<void> {
    if (this.active !== s) return;
    if (r.user.id !== s.info.user.id) {
      // Not the account whose replica is open (recreated under the same name): leave its outbox alone.
      this.offlineState(s, { check: 'password', refusal: 'password_refused' });
      await api.logout(s.info.serverUrl, r.refreshToken).catch(() => undefined);
      return;
    }
    if (password !== null) await this.recordVerifier(s.info.serverUrl, this.username, password, r);
    let remembered = s.info.remembered;
    if ((remembered || rememberRequested) && (await this.d.vault.available())) {
      remembered = await this.remember({
        serverUrl: s.info.serverUrl,
        username: this.username,
        refreshToken: r.refreshToken,
        user: r.user,
        department: r.department,
      });
    }
    s.check = null;
    s.info = { ...s.info, user: r.user, department: r.department, remembered, offline: null };
    const idle = s.engine;
    s.engine = this.engine(s.info, s.store, r.accessToken, r.refreshToken);
    await idle.stop();
    this.d.log?.(`session: the server accepted ${this.username}'s offline sign-in; sending what was queued`);
    this.d.emit('session.changed', s.info);
    s.engine.start();
  }

  /** The remembered session of this user on this server, if the vault holds one. */
  private async rememberedFor(serverUrl: string, userId: string): Promise<Remembered | null> {
    if (!(await this.d.vault.available())) return null;
    const raw = await this.d.vault.get(this.d.deviceId).catch(() => null);
    let saved: ReturnType<typeof Remembered.safeParse> | null = null;
    try {
      saved = raw ? Remembered.safeParse(JSON.parse(raw)) : null;
    } catch {
      return null;
    }
    if (!saved?.success) return null;
    const same = saved.data.user.id === userId && normaliseServerUrl(saved.data.serverUrl) === serverUrl;
    return same ? saved.data : null;
  }

  /** Never fails a sign-in: without a verifier, only offline sign-in is lost, and the log says why. */
  private async recordVerifier(serverUrl: string, username: string, password: string, r: LoginResponse) {
    try {
      await this.verifiers.record({ serverUrl, username, password, user: r.user, department: r.department });
    } catch (e) {
      this.d.log?.(
        `session: could not keep the offline sign-in verifier: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  private async refusedOnline(serverUrl: string, username: string, password: string) {
    try {
      if (await this.verifiers.refusedOnline(serverUrl, username, password)) {
        this.d.log?.(`session: the server refused ${username}'s kept password; offline sign-in is off`);
      }
    } catch (e) {
      this.d.log?.(
        `session: could not update the offline sign-in verifier: ${e instanceof Error ? e.message : e}`,
      );
    }
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
        {
          serverUrl: saved.serverUrl,
          user: r.user,
          department: r.department,
          remembered: true,
          offline: null,
        },
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
          offline: null,
        };
        return this.open(info, null, saved.refreshToken);
      }
      await this.forget();
      if (e instanceof SwitchboardError && e.code === 'forbidden') {
        this.deleteReplica(storePath(this.d.dataDir, saved.serverUrl, saved.user.id), null);
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

  /**
   * Signing out keeps the offline sign-in verifier (it is how the agent gets back in during the next outage);
   * forgetDevice removes it too.
   */
  async logout(opts: { forgetDevice?: boolean } = {}): Promise<void> {
    const s = this.active;
    if (!s) return;
    const { refreshToken } = s.engine.tokens;
    await this.close();
    await this.forget();
    if (opts.forgetDevice) await this.verifiers.forget(s.info.serverUrl, this.username);
    // Best effort: the token is forgotten here whatever the server says.
    if (refreshToken) await api.logout(s.info.serverUrl, refreshToken).catch(() => undefined);
  }

  async close(): Promise<void> {
    const s = this.active;
    this.active = null;
    if (!s) return;
    s.check?.stop();
    s.sla.stop();
    s.triage.stop();
    await s.engine.stop();
    s.store.close();
    s.notSent.close();
  }

  /** The not-sent list of this replica's user, wired so that every refusal lands in it as it leaves the outbox. */
  private openNotSent(store: LocalStore): NotSentStore {
    return openNotSentFor(store, this.keptNotSent);
  }

  private readonly keptNotSent = (added: number, total: number) => {
    this.d.log?.(`session: ${added} change(s) not sent kept for the agent`);
    this.d.emit('notSent.changed', { count: total });
  };

  /**
   * The user's replica and not-sent list, open, with `prepare` written and what a disabled account set aside
   * queued again under its own ids. A damaged replica is set aside and rebuilt here; a full, read-only or
   * locked one throws its own code, and nothing is left open.
   */
  private openReplica(
    info: SessionInfo,
    prepare?: (store: LocalStore) => void,
  ): { store: LocalStore; notSent: NotSentStore } {
    const store = openStore(storePath(this.d.dataDir, info.serverUrl, info.user.id), { log: this.d.log });
    const notSent = this.openNotSent(store);
    try {
      prepare?.(store);
      this.resendUnanswered(store, notSent);
    } catch (e) {
      store.close();
      notSent.close();
      throw asStorageError(e, store.path);
    }
    return { store, notSent };
  }

  /** What a disabled account set aside goes out again with this session, under its own ids. */
  private resendUnanswered(store: LocalStore, notSent: NotSentStore): void {
    const n = resendUnanswered(store, notSent);
    if (n === 0) return;
    this.d.log?.(`session: ${n} change(s) set aside unanswered are queued again`);
    this.d.emit('notSent.changed', { count: notSent.count() });
  }

  private deleteReplica(path: string, open: { store: LocalStore; notSent: NotSentStore } | null): void {
    dropReplicaOfDisabledAccount(path, open, { log: this.d.log, kept: this.keptNotSent });
  }

  private open(info: SessionInfo, accessToken: string | null, refreshToken: string): SessionInfo {
    const { store, notSent } = this.openReplica(info, (store) =>
      store.write.setMeta(META.sessionUser, JSON.stringify({ user: info.user, department: info.department })),
    );
    const engine = this.engine(info, store, accessToken, refreshToken);
    this.active = {
      info,
      store,
      engine,
      check: null,
      notSent,
      sla: this.slaKeeper(info, store),
      triage: this.triageKeeper(info, store),
    };
    this.active.sla.start();
    this.active.triage.start();
    engine.start();
    return info;
  }

  private slaKeeper(info: SessionInfo, store: LocalStore): SlaKeeper {
    const lead = info.user.role === 'supervisor' || (info.user.role as string) === 'team_lead';
    return new SlaKeeper({
      store,
      userId: info.user.id,
      watchDepartmentId: lead ? info.user.departmentId : null,
      fetchConfig: () => {
        const s = this.active;
        if (!s || s.store !== store) return Promise.reject(api.unreachable(info.serverUrl));
        return s.engine.authorized((token) =>
          api.request(info.serverUrl, CONFIG_REST, undefined, AdminConfig, token),
        );
      },
      emit: this.d.emit,
      log: this.d.log,
    });
  }

  private triageKeeper(info: SessionInfo, store: LocalStore): TriageKeeper {
    return new TriageKeeper({
      cache: new TriageModelCache(modelCachePath(store.path)),
      fetchModel: (have) => {
        const s = this.active;
        if (!s || s.store !== store) return Promise.reject(api.unreachable(info.serverUrl));
        return s.engine.authorized((token) => fetchServiceModel(info.serverUrl, token, have));
      },
      log: this.d.log,
    });
  }

  private engine(
    info: SessionInfo,
    store: LocalStore,
    accessToken: string | null,
    refreshToken: string,
  ): SyncEngine {
    return new SyncEngine({
      serverUrl: info.serverUrl,
      userId: info.user.id,
      store,
      accessToken,
      refreshToken,
      // No token: an offline sign-in the server has not accepted yet, so nothing is asked of it.
      refresh: (token) =>
        token ? api.refresh(info.serverUrl, token) : Promise.reject(api.unreachable(info.serverUrl)),
      onTokens: async (t) => {
        // A refresh brings the account as it is now (moved, renamed): the UI should say so.
        const s = this.active;
        if (s && s.info.user.id === t.user.id) {
          s.info = { ...s.info, user: t.user, department: t.department };
          this.d.emit('session.changed', s.info);
        }
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
        if (event === 'sync.status' && this.active?.store === store) {
          this.active.sla.syncState((payload as EventPayload<'sync.status'>).state);
          this.active.triage.syncState((payload as EventPayload<'sync.status'>).state);
        }
        if (event === 'session.ended') {
          void this.endedByServer((payload as EventPayload<'session.ended'>).accountDisabled);
        }
        if (event === 'sla.alert' && this.active?.store === store) {
          this.active.sla.serverAlert(payload as EventPayload<'sla.alert'>);
          return;
        }
        this.d.emit(event, payload);
      },
      connect: this.d.connect,
      log: this.d.log,
      deviceId: syncDeviceId(this.d.dataDir),
    });
  }

  /**
   * A disabled account has no scope left: its copy of customers and tickets must not stay on this machine.
   * A session that merely ended keeps the copy (and its unsent work) for the next sign-in.
   */
  private async endedByServer(accountDisabled: boolean): Promise<void> {
    const s = this.active;
    await this.forget();
    if (!s) return;
    this.active = null;
    s.check?.stop();
    s.sla.stop();
    s.triage.stop();
    await s.engine.stop();
    if (accountDisabled) {
      this.deleteReplica(s.store.path, s);
    } else {
      s.store.close();
      s.notSent.close();
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

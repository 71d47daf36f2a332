import Database from 'better-sqlite3';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { simTmp } from './sim-tmp';
import { transitionError } from '../../src/shared/domain/ticket-rules';
import {
  Poke,
  SwitchboardError,
  type LoginResponse,
  type TicketPatch,
  type TicketPriority,
  TicketStatus,
  type User,
} from '../../src/shared';
import { openStore, storageFault, type LocalStore } from '../../src/main/store';
import type { NotSentStore } from '../../src/main/store/not-sent';
import {
  dropReplicaOfDisabledAccount,
  openNotSentFor,
  resendUnanswered,
} from '../../src/main/services/unsent-work';
import { applyPoke, pullAll } from '../../src/main/sync/pull';
import { pushAll } from '../../src/main/sync/push';
import type { Random } from '../../src/server/demo/prng';
import { SimTimeout, type SimNetwork } from './sim-network';
import { ServerCrash, type SimServer } from './sim-server';

/** A local write the UI reported as done: the agent saw it succeed. */
export interface Confirmed {
  id: string;
  name: 'ticket.update' | 'ticket.comment' | 'ticket.create' | 'customer.create';
  ticketId?: string;
  customerId?: string;
  commentId?: string;
  /** The fields of an edit, to find a conflict kept for the agent. */
  fields?: string[];
  /** An edit's patch and the server version it was made on. */
  patch?: Record<string, string | null>;
  baseVersion?: number;
}

/** One agent: an account on the server, signed in on one or more devices. */
export interface SimAgent {
  id: string;
  username: string;
  /** The password the agent knows now (an administrator tells them a new one). */
  password: string;
}

let emptyReplica: string | null = null;

/** A migrated, empty replica made once per process: migrating costs more than most of a run. */
function emptyReplicaFile(): string {
  if (emptyReplica) return emptyReplica;
  const dir = mkdtempSync(join(simTmp(), 'sb-sim-replica-'));
  const path = join(dir, 'empty.sqlite');
  openStore(path).close(); // close() checkpoints, so the one file is the whole replica
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (emptyReplica = path);
}

/** The desktop died with the server's answer in hand, before acting on it. */
class ClientKilled extends Error {}

const STATUSES: TicketStatus[] = TicketStatus.options;
const PRIORITIES: TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
/** The engine's answer to these is a refresh of the session (engine.ts AUTH_ERRORS). */
const AUTH_ERRORS = new Set(['unauthenticated', 'token_expired']);
/** What the largest replica may grow to: SQLite's default page limit, restored when the disk has room again. */
const NO_PAGE_LIMIT = 1073741823;

interface Session {
  /** null after a restart: the remembered refresh token is used first (SessionManager.restore). */
  access: string | null;
  /** null: signed in offline without remember-me, so the server check asks for the password. */
  refresh: string | null;
  /** The access token's expiry (simulated ms): after it, the server sends this device plain pokes. */
  accessUntil: number;
}

/**
 * One desktop of an agent: the real replica (openStore on a file), the real not-sent list beside it, and the
 * real pull/push functions the SyncEngine runs, driven by the simulation instead of timers so a seed replays
 * exactly. Sessions are real too: the device signs in, refreshes and signs out through the server's
 * AuthService, sends its access token with every request, and reacts to an ended session as SessionManager
 * does (a disabled account's replica is deleted after its outbox went to the not-sent list; any other end
 * keeps the replica for the next sign-in). Local writes go through the StoreWriter calls the IPC handlers make
 * (src/main/services/handlers.ts), with the same checks before them, but with seeded ids and the simulated
 * clock instead of uuidv7 and new Date().
 */
export class SimDevice {
  /** null: no replica open (signed out, or deleted with a disabled account). */
  store: LocalStore | null = null;
  private notSent: NotSentStore | null = null;
  /** Read-only view for choosing what to edit and for the checks (the replica's file outlives kills). */
  private peek: Database.Database | null = null;
  /** Stores of "killed" desktops: left open and unused, as a dead process leaves its file. */
  private readonly dead: LocalStore[] = [];
  /** null: no session (the sign-in screen, or an offline sign-in the server has not accepted yet). */
  session: Session | null = null;
  /** Signed in offline: working on the replica, nothing sent until the server accepts the session. */
  awaitingCheck = false;
  /** The account as this device last heard it from the server (sign-in, refresh). */
  user: User;
  online = true;
  /** The disk under this device is full (SQLite's page limit on its writing connection stands in for it). */
  diskFull = false;
  kills = 0;
  damaged = 0;
  signIns = 0;
  sessionsEnded = 0;
  replicasDropped = 0;
  readonly confirmed: Confirmed[] = [];
  /** Transport errors other than timeouts: a server that answers a valid request with an error is a bug. */
  readonly errors: string[] = [];
  /** Pokes whose changes this desktop applied instead of pulling, and pokes it answered with a pull. */
  pokesApplied = 0;
  pokesPulled = 0;
  readonly deviceId: string;
  /** Where its sign-ins come from, as the server's throttle sees them. */
  private readonly address: string;
  private readonly batchSize: number;
  private readonly pageSize: number;
  private readonly remember: boolean;
  readonly path: string;

  constructor(
    readonly index: number,
    readonly agent: SimAgent,
    user: User,
    dir: string,
    private readonly rnd: Random,
    private readonly clock: () => number,
    private readonly server: SimServer,
  ) {
    const folder = join(dir, `device-${index}`);
    mkdirSync(folder, { recursive: true });
    this.path = join(folder, `${agent.id}.sqlite`);
    this.user = user;
    this.deviceId = `sim-device-${index}`;
    this.address = `10.0.0.${index + 1}`;
    // Small batches and pages so outboxes and pulls span several requests, where faults can fall between.
    this.batchSize = rnd.int(1, 4);
    this.pageSize = rnd.int(5, 100);
    this.remember = rnd.chance(0.5);
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  get signedIn(): boolean {
    return this.store !== null;
  }

  rows<T>(sql: string, ...params: unknown[]): T[] {
    return this.peek ? (this.peek.prepare(sql).all(...params) as T[]) : [];
  }

  outboxIds(): string[] {
    return this.rows<{ mutation_id: string }>('SELECT mutation_id FROM outbox ORDER BY seq').map(
      (r) => r.mutation_id,
    );
  }

  /** The not-sent list as the agent would see it (read from its file, open or not). */
  notSentIds(): Map<string, string> {
    const file = this.path.replace(/\.sqlite$/, '') + '.not-sent.sqlite';
    if (!existsSync(file)) return new Map();
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT id, code FROM not_sent').all() as { id: string; code: string }[];
      return new Map(rows.map((r) => [r.id, r.code]));
    } finally {
      db.close();
    }
  }

  /** Same-field conflicts kept on this replica for the agent to settle: `${ticketId}:${field}`. */
  conflicts(): Set<string> {
    return new Set(
      this.rows<{ ticket_id: string; field: string }>('SELECT ticket_id, field FROM ticket_conflicts').map(
        (r) => `${r.ticket_id}:${r.field}`,
      ),
    );
  }

  /** Open the replica (created from the empty one when there is none: first sign-in, or after a deletion). */
  private openReplica(): void {
    if (!existsSync(this.path)) copyFileSync(emptyReplicaFile(), this.path);
    const store = openStore(this.path);
    if (store.setAside) this.damaged++;
    this.store = store;
    this.notSent = openNotSentFor(store, () => {});
    // SessionManager.open: what a disabled account set aside goes out again, under its own ids.
    resendUnanswered(store, this.notSent);
    this.peek?.close();
    this.peek = new Database(this.path, { readonly: true });
    if (this.diskFull) this.limitPages(true);
  }

  /** Lets go of the open replica and its list (the view closed), handing them to the caller, if any. */
  private detach(): { store: LocalStore; notSent: NotSentStore } | null {
    const open = this.store && this.notSent ? { store: this.store, notSent: this.notSent } : null;
    this.peek?.close();
    this.store = null;
    this.notSent = null;
    this.peek = null;
    return open;
  }

  private closeReplica(): void {
    const open = this.detach();
    open?.store.close();
    open?.notSent.close();
  }

  /** The disk fills up or gets room again: SQLite then fails growing writes with SQLITE_FULL, as on a full disk. */
  setDiskFull(full: boolean): void {
    this.diskFull = full;
    this.limitPages(full);
  }

  private limitPages(full: boolean): void {
    if (!this.store) return;
    // The writing connection is the store's own; a test reaches it the way SQLite's limit is set: per connection.
    const db = (this.store.write as unknown as { db: Database.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${full ? pages : NO_PAGE_LIMIT}`);
  }

  /**
   * The sign-in screen: online, the server checks the password and the replica opens; with the server out of
   * reach, an agent who signed in here before signs in offline (the local verifier) and works until the
   * server accepts the session. Returns whether the agent is in.
   */
  async signIn(): Promise<boolean> {
    if (this.signedIn) return true;
    if (this.online && this.server.up) {
      const r = await this.serverCall(() =>
        this.server.login(this.agent.username, this.agent.password, this.address),
      );
      if (r === 'unreachable') return this.signInOffline();
      if (r instanceof SwitchboardError) return false; // disabled: the sign-in screen says so
      this.started(r);
      this.openReplica();
      return true;
    }
    return this.signInOffline();
  }

  private signInOffline(): boolean {
    // Offline sign-in needs an online one on this device before (the verifier): the first is always online.
    if (this.signIns === 0) return false;
    this.openReplica();
    this.awaitingCheck = true;
    this.session = null;
    return true;
  }

  private started(r: LoginResponse): void {
    this.session = this.sessionOf(r);
    this.user = r.user;
    this.awaitingCheck = false;
    this.signIns++;
  }

  private sessionOf(r: LoginResponse): Session {
    return { access: r.accessToken, refresh: r.refreshToken, accessUntil: this.clock() + r.expiresIn * 1000 };
  }

  /** A server call over the network: a refusal is returned, an unreachable server says so. */
  private async serverCall<T>(call: () => Promise<T>): Promise<T | SwitchboardError | 'unreachable'> {
    if (!this.online || !this.server.up) return 'unreachable';
    try {
      return await call();
    } catch (e) {
      if (e instanceof ServerCrash) return 'unreachable';
      if (e instanceof SwitchboardError) return e;
      throw e;
    }
  }

  /** The agent signs out: the session ends on the server (best effort), the replica and its outbox stay. */
  async signOut(): Promise<void> {
    if (!this.signedIn) return;
    const refresh = this.session?.refresh;
    this.session = null;
    this.awaitingCheck = false;
    this.closeReplica();
    if (refresh) await this.serverCall(() => this.server.logout(refresh));
  }

  /**
   * kill -9 and start again: the store object is dropped without close(); the next start opens the same file.
   * With remember-me the session comes back from the vault (its refresh token); without, the agent signs in
   * again (offline if need be). `damage`: the disk wrote garbage over some of the replica's pages meanwhile.
   */
  async kill(damage = false): Promise<void> {
    this.kills++;
    const open = this.detach();
    if (open) this.dead.push(open.store);
    open?.notSent.close();
    if (damage) this.damagePages();
    if (this.remember && this.session?.refresh) {
      this.session = { ...this.session, access: null };
      this.openReplica();
    } else {
      this.session = null;
      this.awaitingCheck = false;
      await this.signIn();
    }
  }

  /** Noise over a few pages of the tickets table and its indexes (not the outbox): a damaged replica. */
  private damagePages(): void {
    if (!existsSync(this.path)) return;
    const db = new Database(this.path, { readonly: true });
    let pages: number[];
    let pageSize: number;
    try {
      pageSize = db.pragma('page_size', { simple: true }) as number;
      pages = (
        db
          .prepare(
            `SELECT pageno FROM dbstat WHERE name = 'tickets' OR name LIKE 'tickets_%' ORDER BY pageno DESC LIMIT 3`,
          )
          .all() as { pageno: number }[]
      ).map((r) => r.pageno);
    } finally {
      db.close();
    }
    const fd = openSync(this.path, 'r+');
    try {
      for (const p of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * One random thing an agent does; returns false when the UI would have refused it (nothing confirmed),
   * including a storage fault the write met (the agent saw the error).
   */
  localOp(phones: string[]): boolean {
    if (!this.store) return false;
    const tickets = this.rows<{ id: string; status: TicketStatus }>(
      'SELECT id, status FROM tickets ORDER BY id',
    );
    const customers = this.rows<{ id: string }>('SELECT id FROM customers ORDER BY id');
    const r = this.rnd.float();
    try {
      if (r < 0.45 && tickets.length) return this.edit(this.rnd.pick(tickets));
      if (r < 0.75 && tickets.length) return this.comment(this.rnd.pick(tickets).id);
      if (r < 0.88 && customers.length) return this.createTicket(this.rnd.pick(customers).id);
      return this.createCustomer(phones);
    } catch (e) {
      if (this.storageFailed(e)) return false;
      throw e;
    }
  }

  /**
   * A storage fault the desktop names to the agent (engine.ts storageFailed): a full disk waits for room;
   * a damaged replica is marked, and the agent signs out and in again (the next open sets it aside).
   */
  private storageFailed(e: unknown): boolean {
    const fault = storageFault(e);
    if (!fault) return false;
    if (fault === 'storage_corrupt') this.store?.markDamaged(String(e));
    return true;
  }

  private edit(t: { id: string; status: TicketStatus }): boolean {
    const patch: TicketPatch = {};
    const what = this.rnd.int(0, 2);
    if (what === 0) patch.status = this.rnd.pick(STATUSES);
    else if (what === 1) patch.priority = this.rnd.pick(PRIORITIES);
    else patch.subject = `Subject ${this.rnd.int(1, 5)}`;
    // handlers.ts 'tickets.update': the state machine refuses before anything is written.
    if (patch.status && transitionError(t.status, patch.status)) return false;
    const id = this.rnd.uuid();
    this.store!.write.updateTicketLocally(t.id, patch, id, this.now());
    const [queued] = this.rows<{ args: string }>('SELECT args FROM outbox WHERE mutation_id = ?', id);
    this.confirmed.push({
      id,
      name: 'ticket.update',
      ticketId: t.id,
      fields: Object.keys(patch),
      patch: patch as Record<string, string | null>,
      baseVersion: (JSON.parse(queued!.args) as { baseVersion: number }).baseVersion,
    });
    return true;
  }

  private comment(ticketId: string): boolean {
    const id = this.rnd.uuid();
    const commentId = this.rnd.uuid();
    this.store!.write.addCommentLocally(
      {
        id: commentId,
        ticketId,
        authorId: this.user.id,
        authorName: this.user.displayName,
        body: `note ${this.rnd.int(1, 1e6)}`,
        internal: this.rnd.chance(0.3),
        createdAt: this.now(),
      },
      id,
    );
    this.confirmed.push({ id, name: 'ticket.comment', ticketId, commentId });
    return true;
  }

  private createTicket(customerId: string): boolean {
    // handlers.ts 'tickets.create': new tickets go to the department the desktop knows the agent is in.
    const departmentId = this.user.departmentId!;
    const now = this.now();
    const ticketId = this.rnd.uuid();
    const id = this.rnd.uuid();
    this.store!.write.createTicketLocally(
      {
        id: ticketId,
        number: null,
        departmentId,
        customerId,
        subject: `New ${this.rnd.int(1, 1000)}`,
        description: '',
        status: this.rnd.pick(['new', 'open'] as const),
        priority: this.rnd.pick(PRIORITIES),
        assigneeId: this.rnd.chance(0.5) ? this.user.id : null,
        handBackTo: null,
        channel: 'web',
        tags: [],
        fields: {},
        parentId: null,
        relatedIds: [],
        mergedInto: null,
        category: null,
        triage: null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      },
      null,
      id,
    );
    this.confirmed.push({ id, name: 'ticket.create', ticketId, customerId });
    return true;
  }

  private createCustomer(phones: string[]): boolean {
    // A number some customer may already have (here or in another department) or a fresh one.
    const phone = this.rnd.chance(0.6) ? this.rnd.pick(phones) : `+8613${this.rnd.digits(9)}`;
    // handlers.ts 'customers.create': one customer per number, as far as this replica knows.
    if (this.rows('SELECT 1 FROM customers WHERE phone = ?', phone).length) return false;
    phones.push(phone);
    const now = this.now();
    const customerId = this.rnd.uuid();
    const id = this.rnd.uuid();
    this.store!.write.createCustomerLocally(
      {
        id: customerId,
        name: `Customer ${this.rnd.int(1, 1000)}`,
        phone,
        email: null,
        language: 'en',
        company: null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      },
      id,
    );
    this.confirmed.push({ id, name: 'customer.create', customerId });
    return true;
  }

  /**
   * The session before a round, as the engine and the server check (ServerCheck) get it: an offline sign-in
   * is checked by the server first (a refresh of the remembered token, else the password the agent types), a
   * restarted desktop refreshes its remembered token. Returns the access token, or null when nothing may be
   * sent now (the session ended, or the server refused the sign-in and the outbox waits).
   */
  private async accessToken(): Promise<string | null> {
    if (this.awaitingCheck || !this.session) {
      // ServerCheck: a remembered refresh token first, then the password prompt.
      const viaRefresh = this.session?.refresh
        ? await this.serverCall(() => this.server.refresh(this.session!.refresh!))
        : null;
      if (viaRefresh === 'unreachable') return null;
      if (viaRefresh && !(viaRefresh instanceof SwitchboardError)) {
        this.accepted(viaRefresh);
        return this.session!.access;
      }
      const r = await this.serverCall(() =>
        this.server.login(this.agent.username, this.agent.password, this.address),
      );
      if (r === 'unreachable' || r instanceof SwitchboardError) return null; // the outbox waits, kept
      this.accepted(r);
      return this.session!.access;
    }
    if (this.session.access) return this.session.access;
    return (await this.refreshSession()) ? (this.session?.access ?? null) : null;
  }

  /** The server accepted an offline sign-in; a different account under the same name is never sent for. */
  private accepted(r: LoginResponse): void {
    if (r.user.id !== this.agent.id) throw new Error('signed in as another account');
    this.started(r);
  }

  /**
   * engine.ts doRefresh: a new token pair, or the session's end. forbidden (the account is disabled) deletes
   * the replica after its outbox went to the not-sent list; any other refusal keeps it for the next sign-in.
   */
  private async refreshSession(): Promise<boolean> {
    const refresh = this.session?.refresh;
    if (!refresh) return false;
    const r = await this.serverCall(() => this.server.refresh(refresh));
    if (r === 'unreachable') return false;
    if (r instanceof SwitchboardError) {
      this.sessionsEnded++;
      this.session = null;
      if (r.code === 'forbidden') {
        if (dropReplicaOfDisabledAccount(this.path, this.detach(), { kept: () => {} }))
          this.replicasDropped++;
      } else {
        this.closeReplica();
      }
      return false;
    }
    this.session = this.sessionOf(r);
    // A refresh brings the account as it is now (moved): new tickets go to the new department.
    this.user = r.user;
    return true;
  }

  /** Whether the server may send this device a poke with data (sync-socket.ts poke: a live token). */
  get hearsData(): boolean {
    return (
      this.signedIn &&
      !this.awaitingCheck &&
      this.session?.access != null &&
      this.clock() < this.session.accessUntil
    );
  }

  /**
   * What SyncEngine.runLoop does while connected: pull, push the outbox, and go round again while pushes
   * went through. A transport failure ends the round (the engine retries later); so does a kill, a storage
   * fault (the engine stops and says why) and an ended session (the engine refreshes, and the session may end).
   * While a push is on the wire the agent may go on typing (`typing`).
   */
  async syncRound(net: SimNetwork, killOnAck: number, typing = 0, phones: string[] = []): Promise<void> {
    if (!this.store || !this.online) return;
    const token = await this.accessToken();
    if (!token || !this.store) return;
    const store = this.store;
    let moved = false;
    const conn = net.connection(
      token,
      () => this.online,
      () => {
        if (this.rnd.chance(killOnAck)) throw new ClientKilled();
      },
      () => {
        if (this.rnd.chance(typing)) for (let i = this.rnd.int(1, 5); i > 0; i--) this.localOp(phones);
      },
    );
    try {
      for (let again = true, rounds = 0; again && rounds < 20; rounds++) {
        await pullAll(conn, store, {
          pageSize: this.pageSize,
          timeoutMs: 1,
          onPage: () => {},
          // The account moved: a refresh brings it as it is now (engine.ts onReset), after this round.
          onReset: () => (moved = true),
        });
        const pushed = await pushAll(conn, store, {
          batchSize: this.batchSize,
          timeoutMs: 1,
          deviceId: this.deviceId,
        });
        again = pushed.applied > 0;
      }
    } catch (e) {
      if (e instanceof ClientKilled) await this.kill();
      else if (e instanceof SwitchboardError && AUTH_ERRORS.has(e.code)) {
        if (this.session) this.session.access = null;
        await this.refreshSession();
      } else if (this.storageFailed(e)) {
        // The engine stops; the agent is told. A damaged replica is set aside at the next sign-in.
        if (storageFault(e) === 'storage_corrupt') await this.kill();
      } else if (!(e instanceof SimTimeout)) this.errors.push(e instanceof Error ? e.message : String(e));
    }
    if (moved && this.session) await this.refreshSession();
  }

  /**
   * What SyncEngine does with a poke that arrives between sync rounds: apply the changes it carries when they
   * continue this replica (applyPoke, the engine's own call), else pull; a queued edit still needs a round.
   */
  async poked(raw: unknown, net: SimNetwork, killOnAck: number): Promise<void> {
    if (!this.store || this.awaitingCheck) return;
    const poke = Poke.safeParse(raw);
    let applied = null;
    try {
      applied = poke.success ? applyPoke(this.store, poke.data) : null;
    } catch (e) {
      if (!this.storageFailed(e)) throw e;
    }
    if (applied) this.pokesApplied++;
    else this.pokesPulled++;
    if (!applied || this.outboxIds().length > 0) await this.syncRound(net, killOnAck);
  }

  close(): void {
    this.peek?.close();
    this.notSent?.close();
    for (const s of [...this.dead, ...(this.store ? [this.store] : [])]) s.close();
  }
}

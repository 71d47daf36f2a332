import { randomBytes, scryptSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'socket.io';
import { simTmp } from './sim-tmp';
import {
  parseOrThrow,
  PullRequest,
  PushRequest,
  SocketEvents,
  type Ack,
  type LoginResponse,
  type Poke,
  type User,
} from '../../src/shared';
import { AuthService, setPasswordHash } from '../../src/server/auth/auth-service';
import { DEFAULT_LOGIN_THROTTLE } from '../../src/server/auth/login-throttle';
import { scopeOf } from '../../src/server/auth/scope';
import { DEFAULT_ACCESS_TTL_SECONDS } from '../../src/server/auth/tokens';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { getUserRow, toUser } from '../../src/server/directory/directory-store';
import { disableUser, enableUser, endUserSessions, moveUser } from '../../src/server/directory/user-admin';
import { PokeFeed } from '../../src/server/sync/poke-feed';
import { pullChanges } from '../../src/server/sync/pull';
import { applyPush } from '../../src/server/sync/push';
import { socketHandler } from '../../src/server/sync/sync-socket';

/** The simulated process died while handling a request: nothing after this point ran. */
export class ServerCrash extends Error {
  constructor() {
    super('server killed');
  }
}

const SECRET = new TextEncoder().encode('sim-secret-sim-secret-sim-secret-sim');

/**
 * A password hash in the format the server stores (passwords.ts keeps the scrypt cost with each hash), at a
 * cost a thousand sign-ins can afford: the real sign-in path runs, only the work factor is lower.
 */
export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

let template: Promise<string> | null = null;

/**
 * One seeded, migrated demo database per process, copied for every seed: hashing the demo passwords and
 * seeding cost far more than a whole simulated run.
 */
function templateDb(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(simTmp(), 'sb-sim-template-'));
    const path = join(dir, 'server.sqlite');
    const db = openSqlite(path);
    await migrateToLatest(db);
    await seedDemo(db, { tickets: 15, customers: 8, now: new Date(Date.UTC(2026, 0, 1)) });
    await db
      .updateTable('users')
      .set({ password_hash: cheapHash(SIM_PASSWORD) })
      .execute();
    await db.destroy(); // checkpoints the WAL, so the one file is the whole database
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return path;
  })();
  return template;
}

export const SIM_PASSWORD = 'switchboard';

/** How a request failed at the server: no answer at all (the process died) is ServerCrash instead. */
export type Answer = Ack<unknown>;

/**
 * The central service's sync endpoint without HTTP or socket.io: the same authorisation of every event
 * (socketHandler: token expiry, ended session, disabled account), the same request parsing, pull and push
 * functions the socket handlers (src/server/sync/sync-socket.ts) call, and the same AuthService for sign-in
 * and refresh, over a real SQLite file with the simulation's clock. An administrator disables, enables and
 * moves accounts, sets passwords and ends sessions with the functions the admin paths use.
 * "kill -9" abandons the database handle without closing it (no checkpoint, no cleanup), the way a killed
 * process would leave it; "restart" opens the file afresh and runs the migrations, as startServer does.
 */
export class SimServer {
  private db: Db | null = null;
  private auth: AuthService | null = null;
  /** The pokes' memory of the running process: a restart forgets it, so its first pokes are plain. */
  private feed: PokeFeed | null = null;
  /** The server pokes each department a push changed (as sync-socket.ts does), by scope key. */
  onPokes?: (pokes: Map<string, Poke[]>) => void | Promise<void>;
  /** Handles of "killed" processes: kept open until the run ends, as a dead process's file stays as it was. */
  private readonly dead: Db[] = [];
  kills = 0;

  private constructor(
    readonly path: string,
    private readonly now: () => Date,
  ) {}

  static async open(dir: string, now: () => Date): Promise<SimServer> {
    const path = join(dir, 'server.sqlite');
    copyFileSync(await templateDb(), path);
    const s = new SimServer(path, now);
    await s.restart();
    return s;
  }

  get up(): boolean {
    return this.db !== null;
  }

  async restart(): Promise<void> {
    if (this.db) return;
    const db = openSqlite(this.path);
    await migrateToLatest(db);
    this.db = db;
    this.auth = new AuthService(db, SECRET, DEFAULT_ACCESS_TTL_SECONDS, this.now, DEFAULT_LOGIN_THROTTLE);
    this.feed = new PokeFeed(db);
  }

  kill(): void {
    if (!this.db) return;
    this.dead.push(this.db);
    this.db = null;
    this.auth = null;
    this.feed = null;
    this.kills++;
  }

  /** The database, for the invariant checks after the run. */
  get database(): Db {
    if (!this.db) throw new Error('server is down');
    return this.db;
  }

  async user(username: string): Promise<User> {
    const row = await this.database
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  /** The account as the database has it now (enabled or not, its department). */
  async account(userId: string): Promise<{ user: User; disabled: boolean }> {
    const row = (await getUserRow(this.database, userId))!;
    return { user: toUser(row), disabled: row.disabled !== 0 };
  }

  private service(): AuthService {
    if (!this.auth) throw new ServerCrash();
    return this.auth;
  }

  /** POST /auth/login as the REST route calls it. */
  login(username: string, password: string, address: string): Promise<LoginResponse> {
    return this.service().login(username, password, address);
  }

  /** POST /auth/refresh. */
  refresh(refreshToken: string): Promise<LoginResponse> {
    return this.service().refresh(refreshToken);
  }

  /** POST /auth/logout. */
  logout(refreshToken: string): Promise<void> {
    return this.service().logout(refreshToken);
  }

  private async admin(): Promise<User> {
    return this.user('admin');
  }

  async disable(userId: string): Promise<void> {
    const actor = await this.admin();
    await this.database.transaction().execute((trx) => disableUser(trx, actor, userId, this.now()));
  }

  async enable(userId: string): Promise<void> {
    const actor = await this.admin();
    await this.database.transaction().execute((trx) => enableUser(trx, actor, userId, this.now()));
  }

  async move(userId: string, departmentId: string): Promise<void> {
    const actor = await this.admin();
    await this.database
      .transaction()
      .execute((trx) => moveUser(trx, actor, userId, departmentId, this.now()));
  }

  /** An administrator sets a new password (setUserPassword, with the cheap hash): every session ends. */
  async setPassword(userId: string, password: string): Promise<void> {
    const actor = await this.admin();
    const hash = cheapHash(password);
    await this.database
      .transaction()
      .execute((trx) => setPasswordHash(trx, userId, hash, actor.id, this.now()));
  }

  /** An administrator ends every session of a user (a lost laptop, a suspicion): they sign in again. */
  async endSessions(userId: string): Promise<void> {
    const actor = await this.admin();
    await this.database.transaction().execute((trx) => endUserSessions(trx, actor, userId, this.now()));
  }

  async departments(): Promise<string[]> {
    return (await this.database.selectFrom('departments').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
  }

  /**
   * One socket event as sync-socket.ts answers it: authorised afresh by socketHandler from the access token,
   * then the pull or push. `crashAfter`: the process dies before the mutation with that index, so the earlier
   * ones are committed and the client hears nothing.
   */
  async handle(accessToken: string, event: string, payload: unknown, crashAfter?: number): Promise<Answer> {
    const db = this.db;
    if (!db) throw new ServerCrash();
    const handler = socketHandler(this.service(), () => {});
    // What socketHandler reads of a socket: the token it connected with (and the claims it verified).
    const socket = { data: { token: accessToken } } as unknown as Socket;
    let crashed = false;
    const work = async (user: User, input: unknown): Promise<unknown> => {
      try {
        if (event === SocketEvents.pull) {
          const req = parseOrThrow(PullRequest, input, 'pull request');
          return await pullChanges(db, scopeOf(user), req.cursor, req.limit, req.scope);
        }
        if (event === SocketEvents.push) {
          const req = parseOrThrow(PushRequest, input, 'push request');
          let started = 0;
          const now = () => {
            if (crashAfter !== undefined && started++ >= crashAfter) throw new ServerCrash();
            return this.now();
          };
          const outcome = await applyPush(db, user, req.mutations, now, { deviceId: req.deviceId });
          if (outcome.departments.size > 0 && this.feed) {
            const scopes = [...outcome.departments].map((departmentId) => ({
              all: false as const,
              departmentId,
            }));
            await this.onPokes?.(await this.feed.next(scopes));
          }
          return { results: outcome.results };
        }
        return Promise.reject(new Error(`No handler for ${event}.`));
      } catch (e) {
        if (e instanceof ServerCrash) crashed = true;
        throw e;
      }
    };
    const answer = await new Promise<Answer>((resolve) => handler(socket, work)(payload, resolve));
    if (crashed) {
      this.kill();
      throw new ServerCrash();
    }
    return answer;
  }

  async close(): Promise<void> {
    for (const db of [...this.dead, ...(this.db ? [this.db] : [])]) await db.destroy();
    this.dead.length = 0;
    this.db = null;
  }
}

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simTmp } from './sim-tmp';
import {
  parseOrThrow,
  PullRequest,
  PushRequest,
  SocketEvents,
  type Ack,
  type Poke,
  type User,
} from '../../src/shared';
import { scopeOf } from '../../src/server/auth/scope';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { getUserRow, toUser } from '../../src/server/directory/directory-store';
import { errorBody } from '../../src/server/http/error-body';
import { PokeFeed } from '../../src/server/sync/poke-feed';
import { pullChanges } from '../../src/server/sync/pull';
import { applyPush } from '../../src/server/sync/push';

/** The simulated process died while handling a request: nothing after this point ran. */
export class ServerCrash extends Error {
  constructor() {
    super('server killed');
  }
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
    await db.destroy(); // checkpoints the WAL, so the one file is the whole database
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return path;
  })();
  return template;
}

/**
 * The central service's sync endpoint without HTTP or socket.io: the same request parsing, pull and push
 * functions the socket handlers (src/server/sync/sync-socket.ts) call, over a real SQLite file.
 * "kill -9" abandons the database handle without closing it (no checkpoint, no cleanup), the way a killed
 * process would leave it; "restart" opens the file afresh and runs the migrations, as startServer does.
 */
export class SimServer {
  private db: Db | null = null;
  /** The pokes' memory of the running process: a restart forgets it, so its first pokes are plain. */
  private feed: PokeFeed | null = null;
  /** The server pokes each department a push changed (as sync-socket.ts does), by scope key. */
  onPokes?: (pokes: Map<string, Poke>) => void;
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
    this.feed = new PokeFeed(db);
  }

  kill(): void {
    if (!this.db) return;
    this.dead.push(this.db);
    this.db = null;
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

  /**
   * One request as the socket handler answers it (an Ack). `crashAfter`: the process dies before the
   * mutation with that index, so the earlier ones are committed and the client hears nothing.
   */
  async handle(userId: string, event: string, payload: unknown, crashAfter?: number): Promise<Ack<unknown>> {
    const db = this.db;
    if (!db) throw new ServerCrash();
    try {
      // The socket handler authenticates every event afresh; the user row is what that yields.
      const row = await getUserRow(db, userId);
      if (!row) throw new Error(`no user ${userId}`);
      const user = toUser(row);
      if (event === SocketEvents.pull) {
        const req = parseOrThrow(PullRequest, payload, 'pull request');
        return { ok: true, data: await pullChanges(db, scopeOf(user), req.cursor, req.limit) };
      }
      if (event === SocketEvents.push) {
        const req = parseOrThrow(PushRequest, payload, 'push request');
        let started = 0;
        const now = () => {
          if (crashAfter !== undefined && started++ >= crashAfter) throw new ServerCrash();
          return this.now();
        };
        const outcome = await applyPush(db, user, req.mutations, now);
        if (outcome.departments.size > 0 && this.feed) {
          const scopes = [...outcome.departments].map((departmentId) => ({
            all: false as const,
            departmentId,
          }));
          this.onPokes?.(await this.feed.next(scopes));
        }
        return { ok: true, data: { results: outcome.results } };
      }
      return { ok: false, error: { code: 'not_found', message: `No handler for ${event}.` } };
    } catch (e) {
      if (e instanceof ServerCrash) {
        this.kill();
        throw e;
      }
      return { ok: false, error: errorBody(e, () => {}) };
    }
  }

  async close(): Promise<void> {
    for (const db of [...this.dead, ...(this.db ? [this.db] : [])]) await db.destroy();
    this.dead.length = 0;
    this.db = null;
  }
}

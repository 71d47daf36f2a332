import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NotSentItem } from '../../shared/ipc/contract';
import { asStorageError } from './faults';

/**
 * The agent's changes that will not reach the server as they stand, kept in their own small database beside
 * the replica (`<user>.not-sent.sqlite`), not in it: the replica is deleted for a disabled account and emptied
 * for a department move, and what the agent typed must outlive both. Only the agent's choice removes an entry.
 */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS not_sent (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  ticket_id TEXT,
  customer_id TEXT,
  ticket TEXT,
  typed_at TEXT NOT NULL,
  refused_at TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  current TEXT,
  call TEXT
);
CREATE INDEX IF NOT EXISTS not_sent_refused ON not_sent (refused_at);
`;

interface NotSentDbRow {
  id: string;
  kind: NotSentItem['kind'];
  args: string;
  ticket_id: string | null;
  customer_id: string | null;
  ticket: string | null;
  typed_at: string;
  refused_at: string;
  code: string;
  message: string;
  current: string | null;
  call: string | null;
}

/** Reasons given without a word from the server about the change itself: it may have been applied. */
const UNANSWERED = ['account_disabled'];

/** The not-sent list of one user on one server: beside their replica, `<replica>.not-sent.sqlite`. */
export const notSentPath = (replicaPath: string) => replicaPath.replace(/\.sqlite$/, '') + '.not-sent.sqlite';

export class NotSentStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      this.db = new Database(path);
      // Full sync: an entry is often the only copy left of what the agent typed (its outbox row goes next).
      this.db.pragma('journal_mode = DELETE');
      this.db.pragma('synchronous = FULL');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(
          `${path} was written by a newer Switchboard (schema ${version}); update this desktop.`,
        );
      }
      this.db.exec(SCHEMA);
      // Version 1 lists (a desktop updated with entries in it) gain the call a call record was about.
      if (version === 1) this.db.exec('ALTER TABLE not_sent ADD COLUMN call TEXT');
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (e) {
      throw asStorageError(e, path);
    }
    // What the agent typed for their customers: owner-only, like the replica.
    if (existsSync(path)) chmodSync(path, 0o600);
  }

  /** Keep these (by mutation id: keeping one twice, after a crash between the two writes, keeps it once). */
  keep(items: readonly NotSentItem[]): void {
    if (items.length === 0) return;
    const put = this.db.prepare(
      `INSERT OR IGNORE INTO not_sent (id, kind, args, ticket_id, customer_id, ticket, typed_at, refused_at, code, message, current, call)
       VALUES (@id, @kind, @args, @ticket_id, @customer_id, @ticket, @typed_at, @refused_at, @code, @message, @current, @call)`,
    );
    this.db.transaction(() => {
      for (const i of items) {
        put.run({
          id: i.id,
          kind: i.kind,
          args: JSON.stringify(i.args),
          ticket_id: i.ticketId,
          customer_id: i.customerId,
          ticket: i.ticket ? JSON.stringify(i.ticket) : null,
          typed_at: i.typedAt,
          refused_at: i.refusedAt,
          code: i.code,
          message: i.message,
          current: i.current ? JSON.stringify(i.current) : null,
          call: i.call ? JSON.stringify(i.call) : null,
        });
      }
    })();
  }

  list(): NotSentItem[] {
    const rows = this.db
      .prepare('SELECT * FROM not_sent ORDER BY refused_at DESC, typed_at DESC')
      .all() as NotSentDbRow[];
    return rows.map(fromRow);
  }

  /**
   * Entries the server never answered (set aside with a disabled account's replica), in the order they were
   * queued: they may have been applied with the answer lost, so they go back with their own ids, never as new.
   */
  unanswered(): NotSentItem[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM not_sent WHERE code IN (${UNANSWERED.map(() => '?').join(', ')}) ORDER BY rowid`,
      )
      .all(...UNANSWERED) as NotSentDbRow[];
    return rows.map(fromRow);
  }

  get(id: string): NotSentItem | null {
    const row = this.db.prepare('SELECT * FROM not_sent WHERE id = ?').get(id) as NotSentDbRow | undefined;
    return row ? fromRow(row) : null;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM not_sent').get() as { n: number }).n;
  }

  /**
   * An entry that still cannot go, pointed at what its group was retried as (the new ticket, customer or
   * call) and saying why it stayed: it keeps its place in the list instead of naming something that never was.
   */
  retarget(
    id: string,
    to: { args: Record<string, unknown>; ticketId: string | null; customerId: string | null },
    why: { code: string; message: string },
  ): void {
    this.db
      .prepare(
        `UPDATE not_sent SET args = ?, ticket_id = ?, customer_id = ?, code = ?, message = ?, refused_at = ?
         WHERE id = ?`,
      )
      .run(
        JSON.stringify(to.args),
        to.ticketId,
        to.customerId,
        why.code,
        why.message,
        new Date().toISOString(),
        id,
      );
  }

  /** Forget exactly these; returns how many there were. */
  remove(ids: readonly string[]): number {
    const del = this.db.prepare('DELETE FROM not_sent WHERE id = ?');
    return this.db.transaction(() => ids.reduce((n, id) => n + del.run(id).changes, 0))();
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(r: NotSentDbRow): NotSentItem {
  return {
    id: r.id,
    kind: r.kind,
    args: JSON.parse(r.args) as Record<string, unknown>,
    ticketId: r.ticket_id,
    customerId: r.customer_id,
    ticket: r.ticket ? (JSON.parse(r.ticket) as NotSentItem['ticket']) : null,
    typedAt: r.typed_at,
    refusedAt: r.refused_at,
    code: r.code,
    message: r.message,
    current: r.current ? (JSON.parse(r.current) as NotSentItem['current']) : null,
    call: r.call ? (JSON.parse(r.call) as NotSentItem['call']) : null,
  };
}

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../open';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * PostgreSQL only: SQLite has one writer, so its change_log versions commit in the order they are handed out.
 *
 * - change_log.txid: the writing transaction's id (xid8), taken before its version (db/change-log.ts). The safe
 *   head (sync/README.md) relies on that order; the column also shows which changes one transaction made.
 * - socket_io_attachments: where @socket.io/postgres-adapter keeps a message over NOTIFY's 8000-byte limit (a
 *   poke that carries changes), read by the other nodes and swept after 30 s.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`ALTER TABLE change_log ADD COLUMN txid xid8`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS socket_io_attachments (
    id bigserial UNIQUE,
    created_at timestamptz DEFAULT NOW(),
    payload bytea
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`DROP TABLE IF EXISTS socket_io_attachments`.execute(db);
  await sql`ALTER TABLE change_log DROP COLUMN txid`.execute(db);
}

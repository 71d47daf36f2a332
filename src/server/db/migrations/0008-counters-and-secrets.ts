import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Counters handed out under a row lock (db/counters.ts): several service nodes on one PostgreSQL may create
  // tickets at the same moment, and max + 1 read by two of them gives one number twice. The same table on
  // SQLite, so both stores run one code path. The rows of `audit` (the hash chain) and `sip_accounts` (lowest
  // free extension) serve as locks.
  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO counters (name, value)
    SELECT 'ticket_number', COALESCE(MAX(number), 0) FROM tickets`.execute(db);
  await sql`INSERT INTO counters (name, value)
    SELECT 'audit', COALESCE(MAX(seq), 0) FROM audit_log`.execute(db);
  // Nodes starting together each give agents without a SIP account the lowest free extension.
  await db.insertInto('counters').values({ name: 'sip_accounts', value: 0 }).execute();

  // Secrets every node must share (the token signing key, the PBX secret) when the store is PostgreSQL: a
  // token signed by one node is checked by another. A SQLite store keeps them in files beside the database.
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('server_secrets').execute();
  await db.schema.dropTable('counters').execute();
}

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../open';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * The audit trail becomes "append raw, chain later" (audit/README.md):
 *
 * - audit_pending: what writers append inside their own transaction (no lock, no read of the chain's end).
 * - audit_log: the chain, written only by the chainer; `seq` is the chain position it assigns (1, 2, ...).
 *   `source` says from where (client address or device) when the writer knows it.
 * - audit_checkpoints: the chain's head every N records or T seconds, signed with the Ed25519 key that lives
 *   outside the database; checkpoint 0 is the chain's signed start (its chain_id names the chain).
 *
 * Records of the old chain (hashes over JSON re-serialised detail, unkeyed) are moved, in their order, into
 * audit_pending: the chainer re-chains them under the new hash as the first positions of the new chain.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const counter = pg ? ('serial' as const) : ('integer' as const);
  await sql`ALTER TABLE audit_log RENAME TO audit_log_0009`.execute(db);
  await db.schema
    .createTable('audit_pending')
    .addColumn('id', counter, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('source', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO audit_pending (at, actor_id, source, action, subject_id, detail)
    SELECT at, actor_id, NULL, action, subject_id, detail FROM audit_log_0009 ORDER BY seq`.execute(db);
  await db.schema.dropTable('audit_log_0009').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('source', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  // Auditors search by who, what, which record and when (audit/audit-search.ts).
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject_id', 'seq']).execute();

  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema.dropTable('audit_log').execute();
  const pg = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', pg ? 'serial' : 'integer', (c) =>
      pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.dropTable('audit_pending').execute();
}

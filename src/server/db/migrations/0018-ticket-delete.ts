import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Deletion is soft (tickets/delete-ticket.ts): the row, its comments and history stay for the audit trail, and
  // every read of tickets leaves out a row with deleted_at set. deleted_by is the user's id (null: never deleted).
  // Plain text columns, the same on SQLite and PostgreSQL as every other time and id column here.
  await db.schema.alterTable('tickets').addColumn('deleted_at', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('deleted_by', 'text').execute();
  // A deleted parent's children lose the link in the delete's transaction: found by this index, not a scan.
  await db.schema.createIndex('tickets_parent').on('tickets').column('parent_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_parent').execute();
  await db.schema.alterTable('tickets').dropColumn('deleted_by').execute();
  await db.schema.alterTable('tickets').dropColumn('deleted_at').execute();
}

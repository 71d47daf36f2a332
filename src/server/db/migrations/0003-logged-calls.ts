import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // A desktop names a call it logged by an id it made up. When the service had already recorded the call
  // (a routed queue call), the log is merged into that record and its id kept here, so a wrap-up queued
  // behind the log, naming the desktop's id, reaches the one record, and a replayed log changes nothing.
  await db.schema
    .createTable('interaction_aliases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('interaction_id', 'text', (c) => c.notNull().references('interactions.id'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('interaction_aliases').execute();
}

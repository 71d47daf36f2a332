import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Linked tickets (Ticket.parentId, relatedIds as JSON) and merge (mergedInto); every earlier ticket has none.
  await db.schema.alterTable('tickets').addColumn('parent_id', 'text').execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('related_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('tickets').addColumn('merged_into', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').dropColumn('merged_into').execute();
  await db.schema.alterTable('tickets').dropColumn('related_ids').execute();
  await db.schema.alterTable('tickets').dropColumn('parent_id').execute();
}

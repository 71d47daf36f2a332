import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // A ticket's tags and custom field values (Ticket.tags, Ticket.fields) as JSON; every earlier ticket has none.
  await db.schema
    .alterTable('tickets')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').dropColumn('fields').execute();
  await db.schema.alterTable('tickets').dropColumn('tags').execute();
}

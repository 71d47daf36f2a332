import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Where a ticket came in (Ticket.channel), which picks its SLA policy. Every earlier ticket was filed as web.
  await db.schema
    .alterTable('tickets')
    .addColumn('channel', 'text', (c) => c.notNull().defaultTo('web'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').dropColumn('channel').execute();
}

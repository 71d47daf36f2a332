import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Which installation made a ticket field change, so the same-field check can tell one agent's two devices
  // apart (ticket-mutations.ts). Null for changes made before this column, by the server itself, or by a
  // desktop too old to say.
  await db.schema.alterTable('ticket_history').addColumn('device_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ticket_history').dropColumn('device_id').execute();
}

import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // A transfer that asks for the ticket back names the department it came from (Ticket.handBackTo).
  await db.schema.alterTable('tickets').addColumn('hand_back_to', 'text').execute();
  // Why a change was made, where one is asked for (a transfer's reason); null for every older change.
  await db.schema.alterTable('ticket_history').addColumn('note', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ticket_history').dropColumn('note').execute();
  await db.schema.alterTable('tickets').dropColumn('hand_back_to').execute();
}

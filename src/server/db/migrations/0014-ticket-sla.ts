import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // A ticket's SLA as the service last computed it (src/server/sla): the earliest open due time (the list's
  // "SLA due" sort key), the most urgent state, and when that state next changes (a warning or a breach the
  // sweeper must act on). ISO instants as every other time column. Null until computed (sla/recompute.ts fills
  // them in the background after this migration: the stored SLA version is behind the configuration's).
  await db.schema.alterTable('tickets').addColumn('sla_due_at', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('sla_state', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('sla_next_check_at', 'text').execute();
  // The clock's inputs from the ticket's record (SlaTimeline JSON: pauses, first response, next response,
  // resolution), kept with every change: a recompute after a calendar edit then reads only the tickets.
  await db.schema.alterTable('tickets').addColumn('sla_timeline', 'text').execute();
  await db.schema.createIndex('tickets_sla_next_check').on('tickets').column('sla_next_check_at').execute();
  // One row per warning or breach the service acted on: the key is the event itself (a target's due time), so
  // two sweeps or two nodes that find it due at once fire it once (INSERT ... ON CONFLICT DO NOTHING).
  // carried: the event came from a change an escalation made (a raised priority, a move) to a target already
  // escalated under the policy before; it is recorded so the new policy does not escalate it again.
  await db.schema
    .createTable('sla_events')
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('tickets.id'))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('carried', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('sla_events_key', ['ticket_id', 'target', 'kind', 'due_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sla_events').execute();
  await db.schema.dropIndex('tickets_sla_next_check').execute();
  await db.schema.alterTable('tickets').dropColumn('sla_timeline').execute();
  await db.schema.alterTable('tickets').dropColumn('sla_next_check_at').execute();
  await db.schema.alterTable('tickets').dropColumn('sla_state').execute();
  await db.schema.alterTable('tickets').dropColumn('sla_due_at').execute();
}

import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/** The figures every aggregate row and fact carries (reports/README.md): counts and sums that add up. */
const MEASURES = [
  'volume',
  'answered',
  'abandoned',
  'fr_count',
  'fr_sec',
  'resolved',
  'res_sec',
  'sla_met',
  'sla_total',
  'handled',
  'handle_sec',
  'transfers',
  'csat_count',
  'csat_sum',
] as const;

/**
 * Reports (issue 14, reports helper): incremental aggregates and customer satisfaction.
 * - report_facts: what each ticket, call and chat contributes now (its dimensions and figures), so a change
 *   after the fact takes the old contribution out of its bucket and puts the new one in.
 * - report_buckets: 15-minute sums per dimension key (department, queue, agent, channel, category), each
 *   within a department, so a report reads a few thousand rows, never the tickets.
 * - report_cursors: how far the followers of change_log and agent_state_log have read.
 * - csat on calls and chats; report_rating_links: one-time links a call's customer rates with.
 */
export async function up(db: Kysely<any>): Promise<void> {
  let facts = db.schema
    .createTable('report_facts')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('queue_key', 'text', (c) => c.notNull())
    .addColumn('agent_key', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull());
  for (const m of MEASURES) facts = facts.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
  await facts.addPrimaryKeyConstraint('report_facts_pk', ['kind', 'entity_id']).execute();

  let buckets = db.schema
    .createTable('report_buckets')
    .addColumn('dim', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
    .addColumn('dim_key', 'text', (c) => c.notNull());
  for (const m of MEASURES) buckets = buckets.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
  buckets = buckets
    .addColumn('busy_sec', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('staffed_sec', 'bigint', (c) => c.notNull().defaultTo(0));
  await buckets
    .addPrimaryKeyConstraint('report_buckets_pk', ['dim', 'department_id', 'bucket_ms', 'dim_key'])
    .execute();

  await db.schema
    .createTable('report_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'text', (c) => c.notNull())
    .execute();
  await db.insertInto('report_cursors').values({ name: 'changes', position: '0' }).execute();
  await db.insertInto('report_cursors').values({ name: 'states', position: '' }).execute();

  for (const table of ['interactions', 'chat_interactions']) {
    await db.schema.alterTable(table).addColumn('csat', 'integer').execute();
    await db.schema.alterTable(table).addColumn('csat_at', 'text').execute();
  }

  await db.schema
    .createTable('report_rating_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('interaction_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  // agent_state_log is read in time order by the occupancy follower, and each agent's previous change with it.
  await db.schema.createIndex('agent_state_log_at').on('agent_state_log').columns(['at', 'id']).execute();
  await db.schema
    .createIndex('agent_state_log_user_at')
    .on('agent_state_log')
    .columns(['user_id', 'at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('agent_state_log_user_at').execute();
  await db.schema.dropIndex('agent_state_log_at').execute();
  await db.schema.dropTable('report_rating_links').execute();
  for (const table of ['interactions', 'chat_interactions']) {
    await db.schema.alterTable(table).dropColumn('csat_at').execute();
    await db.schema.alterTable(table).dropColumn('csat').execute();
  }
  await db.schema.dropTable('report_cursors').execute();
  await db.schema.dropTable('report_buckets').execute();
  await db.schema.dropTable('report_facts').execute();
}

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../open';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Voice of the customer (issue 14, src/server/voc/README.md): the follower of the change log and what it keeps.
 * - voc_state: the follower's cursor (the change_log version it has read up to), one row locked per batch.
 * - voc_contacts: one row per contact (a ticket or a call) with the terms it mentions, so a later change of it
 *   (a comment, a move, a deletion) is applied as a difference; seq numbers it compactly for the postings.
 * - voc_postings: term -> the contacts mentioning it, by day (the tickets behind a topic, paged).
 * - voc_daily: per department, UTC day and term, the number of contacts mentioning it (the report adds these).
 * - voc_weekly: the same per week (Monday to Sunday, UTC): a 30-day period adds 4 weeks and a few days.
 * - voc_daily_totals: per department and day, the contacts, and their sentiment where it was measured.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('voc_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO voc_state (name, value) VALUES ('cursor', 0)`.execute(db);
  await db.schema
    .createTable('voc_contacts')
    // SQLite: an INTEGER PRIMARY KEY is the rowid, numbered by itself; PostgreSQL: an identity column.
    .addColumn('seq', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
    .addColumn('contact_id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('ticket_id', 'text')
    .addColumn('terms', 'text', (c) => c.notNull())
    // -1, 0, 1; null when not measured (Chinese text, or no text).
    .addColumn('sentiment', 'integer')
    .addColumn('zh', 'integer', (c) => c.notNull())
    .execute();
  const postings = db.schema
    .createTable('voc_postings')
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('contact', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('voc_postings_pk', ['term', 'day', 'contact']);
  await (pg ? postings : postings.modifyEnd(sql`WITHOUT ROWID`)).execute();
  const daily = db.schema
    .createTable('voc_daily')
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('contacts', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('voc_daily_pk', ['department_id', 'day', 'term']);
  await (pg ? daily : daily.modifyEnd(sql`WITHOUT ROWID`)).execute();
  const weekly = db.schema
    .createTable('voc_weekly')
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('week', 'integer', (c) => c.notNull())
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('contacts', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('voc_weekly_pk', ['department_id', 'week', 'term']);
  await (pg ? weekly : weekly.modifyEnd(sql`WITHOUT ROWID`)).execute();
  await db.schema
    .createTable('voc_daily_totals')
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('contacts', 'integer', (c) => c.notNull())
    .addColumn('positive', 'integer', (c) => c.notNull())
    .addColumn('neutral', 'integer', (c) => c.notNull())
    .addColumn('negative', 'integer', (c) => c.notNull())
    .addColumn('zh', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('voc_daily_totals_pk', ['department_id', 'day'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'voc_daily_totals',
    'voc_weekly',
    'voc_daily',
    'voc_postings',
    'voc_contacts',
    'voc_state',
  ])
    await db.schema.dropTable(t).execute();
}

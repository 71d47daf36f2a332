import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Quality review (issue 15, src/server/quality/README.md).
 * - quality_rules: a department's changed rules (kind -> QualityRule JSON); a kind without a row uses the default.
 * - quality_settings: a department's rubric and sampling settings (JSON), when changed from the defaults.
 * - quality_state: the checker's change-log cursor. It starts at the log's end as the migration finds it: the
 *   contacts before the upgrade are checked by a re-run of their period, not all at once at the first start.
 * - quality_contacts: each checked contact (a chat, a ticket's thread, a call): whose, when, its findings' count
 *   and worst severity (0-3; -1 none), for sampling and the queue.
 * - quality_findings: what the checks found, with the matched span of the part's text.
 * - quality_samples: the contacts drawn for review, per period.
 * - quality_reviews: a supervisor's scores and comment, returned to the agent and acknowledged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quality_rules')
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('quality_rules_pk', ['department_id', 'kind'])
    .execute();
  await db.schema
    .createTable('quality_settings')
    .addColumn('department_id', 'text', (c) => c.primaryKey())
    .addColumn('rubric', 'text', (c) => c.notNull())
    .addColumn('sampling', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
  await db.schema
    .createTable('quality_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO quality_state (name, value)
    SELECT 'cursor', COALESCE(MAX(version), 0) FROM change_log`.execute(db);
  await db.schema
    .createTable('quality_contacts')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('findings', 'integer', (c) => c.notNull())
    .addColumn('worst', 'integer', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('quality_contacts_pk', ['kind', 'contact_id'])
    .execute();
  await db.schema
    .createIndex('quality_contacts_department_at')
    .on('quality_contacts')
    .columns(['department_id', 'at'])
    .execute();
  await db.schema
    .createTable('quality_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('part_id', 'text')
    .addColumn('span_start', 'integer')
    .addColumn('span_end', 'integer')
    .addColumn('excerpt', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('quality_findings_contact')
    .on('quality_findings')
    .columns(['kind', 'contact_id'])
    .execute();
  await db.schema
    .createIndex('quality_findings_department_at')
    .on('quality_findings')
    .columns(['department_id', 'at'])
    .execute();
  await db.schema
    .createTable('quality_samples')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('sampled_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('quality_samples_pk', ['kind', 'contact_id'])
    .execute();
  await db.schema
    .createIndex('quality_samples_department')
    .on('quality_samples')
    .columns(['department_id', 'period_start'])
    .execute();
  await db.schema
    .createTable('quality_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('reviewer_id', 'text', (c) => c.notNull())
    .addColumn('scores', 'text', (c) => c.notNull())
    .addColumn('rubric', 'text', (c) => c.notNull())
    .addColumn('total', 'real', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('contact_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('returned_at', 'text')
    .addColumn('acknowledged_at', 'text')
    .addUniqueConstraint('quality_reviews_contact', ['kind', 'contact_id'])
    .execute();
  await db.schema
    .createIndex('quality_reviews_agent')
    .on('quality_reviews')
    .columns(['agent_id', 'returned_at'])
    .execute();
  await db.schema
    .createIndex('quality_reviews_department_at')
    .on('quality_reviews')
    .columns(['department_id', 'contact_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'quality_reviews',
    'quality_samples',
    'quality_findings',
    'quality_contacts',
    'quality_state',
    'quality_settings',
    'quality_rules',
  ])
    await db.schema.dropTable(t).execute();
}

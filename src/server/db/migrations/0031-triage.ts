import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Triage (issue 15, src/server/triage/README.md):
 * - tickets.category (the taxonomy category) and tickets.triage (the prediction as JSON), as every replica has
 *   them; triage_review (1 while the ticket waits in the triage queue) and triage_version (the model that
 *   predicted) are the service's own, for the queue and the accuracy report without reading JSON.
 * - departments.triage_label: the taxonomy department a department of the service stands for (the demo's
 *   aftersales, tech and billing carry after_sales, tech_support and billing).
 * - triage_models: every trained version, with what it learnt from and its figures on the shipped test split;
 *   the newest is the one every node uses.
 * - triage_corrections: a person changing a predicted field (the next training learns from the ticket).
 * - role permissions stored by an administrator gain changeCategory wherever they hold changePriority.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('category', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('triage', 'text').execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('triage_review', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('tickets').addColumn('triage_version', 'integer').execute();
  await db.schema
    .createIndex('tickets_triage_review')
    .on('tickets')
    .columns(['department_id', 'created_at'])
    .where(sql.ref('triage_review'), '=', 1)
    .execute();
  await db.schema.alterTable('departments').addColumn('triage_label', 'text').execute();
  for (const [code, label] of DEMO_LABELS)
    await db.updateTable('departments').set({ triage_label: label }).where('code', '=', code).execute();
  await db.schema
    .createTable('triage_models')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    // A random id per trained model: nodes (and test servers in one process) cache predictors by it.
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('trained_lines', 'integer', (c) => c.notNull())
    .addColumn('corrections_used', 'integer', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('trained_by', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('triage_corrections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('triage_corrections_ticket')
    .on('triage_corrections')
    .columns(['ticket_id', 'field'])
    .execute();
  const stored = await db
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', 'role_permissions')
    .executeTakeFirst();
  if (stored) {
    const m = JSON.parse(stored.value as string) as Record<string, string[]>;
    for (const role of Object.keys(m))
      if (m[role]!.includes('changePriority') && !m[role]!.includes('changeCategory'))
        m[role] = [...m[role]!, 'changeCategory'];
    await db
      .updateTable('admin_settings')
      .set({ value: JSON.stringify(m) })
      .where('name', '=', 'role_permissions')
      .execute();
  }
}

/** The demo's department codes and the taxonomy departments they stand for (also seeded by src/server/demo). */
export const DEMO_LABELS = [
  ['aftersales', 'after_sales'],
  ['tech', 'tech_support'],
  ['billing', 'billing'],
] as const;

export async function down(db: Kysely<any>): Promise<void> {
  const stored = await db
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', 'role_permissions')
    .executeTakeFirst();
  if (stored) {
    const m = JSON.parse(stored.value as string) as Record<string, string[]>;
    for (const role of Object.keys(m)) m[role] = m[role]!.filter((r) => r !== 'changeCategory');
    await db
      .updateTable('admin_settings')
      .set({ value: JSON.stringify(m) })
      .where('name', '=', 'role_permissions')
      .execute();
  }
  await db.schema.dropTable('triage_corrections').execute();
  await db.schema.dropTable('triage_models').execute();
  await db.schema.alterTable('departments').dropColumn('triage_label').execute();
  await db.schema.dropIndex('tickets_triage_review').execute();
  for (const c of ['triage_version', 'triage_review', 'triage', 'category'])
    await db.schema.alterTable('tickets').dropColumn(c).execute();
}

import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * What the admin screen configures (src/server/admin): business-hours calendars, SLA policies, custom field
 * definitions and settings. Each row keeps its definition as JSON (the shared zod schema is its one
 * description, read by server and desktops alike) beside the columns uniqueness is checked on. 0010 is taken
 * by the audit work on another branch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('admin_calendars')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sla_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('calendar_id', 'text', (c) => c.notNull().references('admin_calendars.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addUniqueConstraint('sla_policies_scope', ['department_id', 'priority', 'channel'])
    .execute();
  await db.schema
    .createTable('custom_fields')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addUniqueConstraint('custom_fields_key', ['department_id', 'key'])
    .execute();
  // name -> JSON value: 'workflow' (WorkflowSettings) and 'config_version', the version /api/config reports.
  await db.schema
    .createTable('admin_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.insertInto('admin_settings').values({ name: 'config_version', value: '0' }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('admin_settings').execute();
  await db.schema.dropTable('custom_fields').execute();
  await db.schema.dropTable('sla_policies').execute();
  await db.schema.dropTable('admin_calendars').execute();
}

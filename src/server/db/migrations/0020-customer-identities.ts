import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // Mail and web forms name a customer by email address, matched case-folded (customers/identity.ts): an index on
  // the folded form, so intake finds the customer without reading every one.
  await sql`CREATE INDEX customers_email_key ON customers (lower(email))`.execute(db);
  // The ids messaging apps and other systems know a customer by (a WeCom external user id, a CRM id), per
  // department as customers are (customers/README.md, "Scope"): the same person may be two customers in two
  // departments, and each department's id points at its own.
  await db.schema
    .createTable('customer_external_ids')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_external_ids_pk', ['channel', 'external_id', 'department_id'])
    .execute();
  await db.schema
    .createIndex('customer_external_ids_customer')
    .on('customer_external_ids')
    .column('customer_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('customer_external_ids').execute();
  await db.schema.dropIndex('customers_email_key').execute();
}

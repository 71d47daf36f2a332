import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Supervisors (issue 14, src/server/supervisor): wallboard tokens (stored as the SHA-256 of the token, which is
 * shown once) and the messages supervisors send to an agent's or a department's desktops.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wallboard_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON array of department ids.
    .addColumn('department_ids', 'text', (c) => c.notNull())
    .addColumn('rotate_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createTable('supervisor_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('from_user_id', 'text', (c) => c.notNull())
    .addColumn('to_user_id', 'text')
    .addColumn('to_department_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('supervisor_messages_to_user')
    .on('supervisor_messages')
    .columns(['to_user_id', 'at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('supervisor_messages').execute();
  await db.schema.dropTable('wallboard_tokens').execute();
}

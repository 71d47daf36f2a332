import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // A session is one sign-in: its refresh tokens are one family (same id) and every access token names it, so
  // ending it (sign-out, password change, an administrator) stops its access tokens at once, not at expiry.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  // Sign-ins made before this migration keep working: each refresh-token family becomes a session, ended
  // when every token of it was (COUNT(revoked_at) skips the open ones; PostgreSQL cannot SUM a boolean, and groups by
  // every bare column: a family has one user).
  await sql`
    INSERT INTO sessions (id, user_id, created_at, revoked_at, revoked_reason)
    SELECT family_id, user_id, ${new Date().toISOString()},
      CASE WHEN COUNT(*) > COUNT(revoked_at) THEN NULL ELSE MAX(revoked_at) END,
      CASE WHEN COUNT(*) > COUNT(revoked_at) THEN NULL ELSE 'before-sessions' END
    FROM refresh_tokens GROUP BY family_id, user_id`.execute(db);

  // Failed sign-ins per user name typed ('account:<name>') and per client address ('address:<ip or /64>'),
  // kept in the database so a restart does not lift a lockout. A row lives from the first failure until
  // `lockoutSeconds` after the last one; then its counts go to the audit log as one record and it is deleted.
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('refused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_failure_at', 'text', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_throttle_last_failure')
    .on('login_throttle')
    .column('last_failure_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_throttle').execute();
  await db.schema.dropTable('sessions').execute();
}

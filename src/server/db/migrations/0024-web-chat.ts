import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Web chat (chat/README.md): the sites allowed to embed the widget, the visitors (a browser holding a token),
 * their sessions and every message. Messages are numbered per session (seq) so replays and receipts are
 * watermarks; a sender's own id for a message (client_key) is unique, so a resend is stored once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text')
    // JSON array of exact origins.
    .addColumn('origins', 'text', (c) => c.notNull())
    .addColumn('allow_service_origin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('chat_visitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull())
    // SHA-256 of the token the widget keeps: a copy of the database does not let anyone speak as a visitor.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('language', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('address', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('chat_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_delivered_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('visitor_delivered_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('visitor_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('language', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('handoff_at', 'text')
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema
    .createIndex('chat_sessions_visitor')
    .on('chat_sessions')
    .columns(['visitor_id', 'created_at'])
    .execute();
  // Routing's round reads the chats waiting in a department oldest first.
  await db.schema
    .createIndex('chat_sessions_state')
    .on('chat_sessions')
    .columns(['state', 'department_id', 'handoff_at'])
    .execute();
  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('client_id', 'text')
    // `${sender}:${visitor or agent id}:${client id}`; null for lines without one. Unique: a resend is stored once.
    .addColumn('client_key', 'text', (c) => c.unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('event', 'text')
    .addColumn('attachments', 'text')
    .addColumn('article_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('chat_messages_seq', ['session_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_messages').execute();
  await db.schema.dropTable('chat_sessions').execute();
  await db.schema.dropTable('chat_visitors').execute();
  await db.schema.dropTable('chat_sites').execute();
}

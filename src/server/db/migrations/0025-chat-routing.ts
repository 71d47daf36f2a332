import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Chat routing (chat-routing/README.md): offers of waiting chats to agents (an open offer survives a restart and
 * times out on the service's clock), the chat's ticket, the transcript of every ended chat (the customer's
 * timeline entry of kind chat) and canned responses per department and language.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    // open | accepted | declined | timeout | withdrawn
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('offered_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema
    .createIndex('chat_offers_state')
    .on('chat_offers')
    .columns(['state', 'session_id'])
    .execute();
  await db.schema
    .createTable('chat_ticket_links')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('linked_by', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('chat_interactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().unique())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('visitor_name', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text', (c) => c.notNull())
    .addColumn('message_count', 'integer', (c) => c.notNull())
    // Plain text, one line per message: what a ticket made from the chat carries as its description.
    .addColumn('transcript', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('chat_interactions_customer')
    .on('chat_interactions')
    .columns(['customer_id', 'ended_at'])
    .execute();
  await db.schema
    .createTable('canned_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // '' for every department, so the unique key below holds (NULLs never collide).
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('shortcut', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('canned_responses_shortcut', ['department_id', 'language', 'shortcut'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('canned_responses').execute();
  await db.schema.dropTable('chat_interactions').execute();
  await db.schema.dropTable('chat_ticket_links').execute();
  await db.schema.dropTable('chat_offers').execute();
}

import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Messaging webhooks, API intake and customer merge (issue 13, src/server/intake, customers/merge.ts). Everything
 * that must hold across restarts and across several service nodes on one PostgreSQL lives here, not in memory:
 * the nonces a webhook already used, the message ids already taken in, the replies still to deliver and the
 * request counts of the rate limits.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // A messaging channel an admin configured: its form (wecom | json), the shared secret both sides sign with
  // (kept as given: an HMAC needs it, a hash of it would not do), where replies go, and the department it feeds.
  await db.schema
    .createTable('intake_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('outbound_url', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Nonces seen inside the replay window; older ones are pruned (a timestamp that old is refused anyway).
  await db.schema
    .createTable('intake_nonces')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('seen_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('intake_nonces_pk', ['channel_id', 'nonce'])
    .execute();
  await db.schema.createIndex('intake_nonces_seen').on('intake_nonces').column('seen_ms').execute();
  // A message id taken in once: the platform's retry of it is answered as the first delivery was.
  await db.schema
    .createTable('intake_messages')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('comment_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('intake_messages_pk', ['channel_id', 'message_id'])
    .execute();
  // Which messaging channel and sender a ticket talks to: where its public replies go.
  await db.schema
    .createTable('intake_threads')
    .addColumn('ticket_id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('intake_threads_sender')
    .on('intake_threads')
    .columns(['channel_id', 'sender_id'])
    .execute();
  // Replies on their way out, written in the comment's own transaction (none lost), delivered after commit.
  await db.schema
    .createTable('intake_outbound')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('comment_id', 'text', (c) => c.notNull().unique())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('intake_outbound_due')
    .on('intake_outbound')
    .columns(['status', 'next_attempt_ms'])
    .execute();
  // API keys: only a hash of the secret is kept; the prefix (not secret) tells keys apart in lists and logs.
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  // Requests per key (or per address for failed authentication) in fixed windows, shared by every node.
  await db.schema
    .createTable('intake_rate')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_ms', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('intake_rate_pk', ['key', 'window_ms'])
    .execute();
  await db.schema.createIndex('intake_rate_window').on('intake_rate').column('window_ms').execute();
  // An app's Idempotency-Key per API key: a retried request (a form resubmitted on a flaky network) gets the
  // first answer instead of a second ticket.
  await db.schema
    .createTable('intake_requests')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('intake_requests_pk', ['key_id', 'idempotency_key'])
    .execute();
  // A customer merged into another by a supervisor: the record as it was (the audit chain keeps no contact data).
  await db.schema
    .createTable('customer_merges')
    .addColumn('merged_id', 'text', (c) => c.primaryKey())
    .addColumn('into_id', 'text', (c) => c.notNull())
    .addColumn('merged_by', 'text', (c) => c.notNull())
    .addColumn('merged_at', 'text', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'customer_merges',
    'intake_rate',
    'intake_requests',
    'api_keys',
    'intake_outbound',
    'intake_threads',
    'intake_messages',
    'intake_nonces',
    'intake_channels',
  ])
    await db.schema.dropTable(t).execute();
}

import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/** Email intake and replies (issue 13, src/server/email) and kept attachments (src/server/attachments). */
export async function up(db: Kysely<any>): Promise<void> {
  // Comments say who wrote them (a customer's mail), what became of a reply by mail, and their files.
  await db.schema
    .alterTable('ticket_comments')
    .addColumn('from_customer', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('ticket_comments').addColumn('delivery', 'text').execute();
  await db.schema
    .alterTable('ticket_comments')
    .addColumn('attachments', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();

  // The support addresses mail is taken for, each answering for one department; admins manage them.
  await db.schema
    .createTable('email_mailboxes')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    // The relay replies go out through; null: the service's default (--smtp-relay).
    .addColumn('relay_host', 'text')
    .addColumn('relay_port', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Every mail in and out, kept by Message-ID so replies thread, and dropped ones so loops can be counted.
  await db.schema
    .createTable('email_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text')
    .addColumn('comment_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('email_messages_message_id')
    .on('email_messages')
    .column('message_id')
    .execute();
  await db.schema
    .createIndex('email_messages_sender')
    .on('email_messages')
    .columns(['from_address', 'at'])
    .execute();
  await db.schema
    .createIndex('email_messages_ticket')
    .on('email_messages')
    .columns(['ticket_id', 'at'])
    .execute();

  // Replies waiting for the relay: kept in the database so a restart or a relay outage loses none.
  await db.schema
    .createTable('email_outbox')
    .addColumn('comment_id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('in_reply_to', 'text')
    .addColumn('refs', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_ms', sql`bigint`, (c) => c.notNull())
    .addColumn('lease_until_ms', sql`bigint`, (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('email_outbox_due')
    .on('email_outbox')
    .columns(['state', 'next_attempt_ms'])
    .execute();

  // Files kept for comments (mail today, chat later); the bytes live under the service's data folder.
  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('comment_id', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_comment').on('attachments').column('comment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attachments').execute();
  await db.schema.dropTable('email_outbox').execute();
  await db.schema.dropTable('email_messages').execute();
  await db.schema.dropTable('email_mailboxes').execute();
  await db.schema.alterTable('ticket_comments').dropColumn('attachments').execute();
  await db.schema.alterTable('ticket_comments').dropColumn('delivery').execute();
  await db.schema.alterTable('ticket_comments').dropColumn('from_customer').execute();
}

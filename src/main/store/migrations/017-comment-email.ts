import type { Migration } from './types';

/**
 * email (issue 13): comments say whether the customer wrote them (a mail), what became of a reply sent by mail,
 * and which files came with them (TicketComment.fromCustomer, delivery, attachments; server migration 0022).
 * Rows from before read as agents' comments that went nowhere, with no files. Each column is added only if
 * missing, so a replica whose schema version was set back (to re-run an earlier re-index) upgrades again.
 */
export const m017CommentEmail: Migration = {
  version: 17,
  name: 'comment-email',
  up: (db) => {
    const have = new Set(
      (db.prepare('PRAGMA table_info(comments)').all() as { name: string }[]).map((c) => c.name),
    );
    const add = (column: string, definition: string) => {
      if (!have.has(column)) db.exec(`ALTER TABLE comments ADD COLUMN ${column} ${definition}`);
    };
    add('from_customer', 'INTEGER NOT NULL DEFAULT 0');
    add('delivery', 'TEXT');
    add('attachments', "TEXT NOT NULL DEFAULT '[]'");
  },
};

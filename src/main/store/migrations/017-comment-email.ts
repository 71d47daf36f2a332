import type { Migration } from './types';

/**
 * email (issue 13): comments say whether the customer wrote them (a mail), what became of a reply sent by mail,
 * and which files came with them (TicketComment.fromCustomer, delivery, attachments; server migration 0022).
 * Rows from before read as agents' comments that went nowhere, with no files.
 */
export const m017CommentEmail: Migration = {
  version: 17,
  name: 'comment-email',
  up: (db) => {
    db.exec(`
      ALTER TABLE comments ADD COLUMN from_customer INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE comments ADD COLUMN delivery TEXT;
      ALTER TABLE comments ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
    `);
  },
};

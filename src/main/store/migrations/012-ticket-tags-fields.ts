import type { Migration } from './types';

/** A ticket's tags and custom field values (JSON), as the service keeps them; earlier tickets have none. */
export const m012TicketTagsFields: Migration = {
  version: 12,
  name: 'ticket-tags-fields',
  up: (db) => {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE tickets ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
    `);
  },
};

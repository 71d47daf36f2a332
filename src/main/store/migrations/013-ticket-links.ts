import type { Migration } from './types';

/**
 * Linked tickets and merge, as the service keeps them (server migration 0017). The detail lists a ticket's
 * children and the tickets merged into it by these columns: partial indexes, since few tickets have either.
 */
export const m013TicketLinks: Migration = {
  version: 13,
  name: 'ticket-links',
  up: (db) => {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN parent_id TEXT;
      ALTER TABLE tickets ADD COLUMN related_ids TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE tickets ADD COLUMN merged_into TEXT;
      CREATE INDEX tickets_parent ON tickets(parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX tickets_merged_into ON tickets(merged_into) WHERE merged_into IS NOT NULL;
    `);
  },
};

import type { Migration } from './types';

/**
 * Edits the server refused because someone else changed the same field meanwhile. The server's value stands;
 * the agent's refused value is kept here until they choose (src/main/sync/README.md). Goes with its ticket.
 */
export const m006TicketConflicts: Migration = {
  version: 6,
  name: 'ticket-conflicts',
  up: (db) => {
    db.exec(`
      CREATE TABLE ticket_conflicts (
        ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        field TEXT NOT NULL,
        mine TEXT,
        theirs TEXT,
        changed_by_id TEXT,
        changed_by_name TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (ticket_id, field)
      );
    `);
  },
};

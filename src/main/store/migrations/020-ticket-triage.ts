import type { Migration } from './types';

/**
 * Triage (issue 15), as the service keeps it (server migration 0031): the ticket's taxonomy category and the
 * prediction (JSON, with its model version and whether it waits for a person). The triage queue of the replica
 * is the tickets whose prediction needs review: a partial index on that, since few tickets wait.
 */
export const m020TicketTriage: Migration = {
  version: 20,
  name: 'ticket-triage',
  up: (db) => {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN category TEXT;
      ALTER TABLE tickets ADD COLUMN triage TEXT;
      CREATE INDEX tickets_needs_triage ON tickets(seq)
        WHERE json_extract(triage, '$.needsReview') = 1;
    `);
  },
};

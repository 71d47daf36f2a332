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
    // Harmless when run again (a replica set back to 019).
    const has = new Set((db.pragma('table_info(tickets)') as { name: string }[]).map((c) => c.name));
    if (!has.has('category')) db.exec('ALTER TABLE tickets ADD COLUMN category TEXT');
    if (!has.has('triage')) db.exec('ALTER TABLE tickets ADD COLUMN triage TEXT');
    db.exec(`CREATE INDEX IF NOT EXISTS tickets_needs_triage ON tickets(seq)
      WHERE json_extract(triage, '$.needsReview') = 1`);
  },
};

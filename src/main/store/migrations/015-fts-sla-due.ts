import { FtsIndex } from '../fts';
import type { Migration } from './types';

/**
 * A ticket's SLA due day and pause become facet tokens of ticket_fts (see dueTokens in ../fts), so a text search
 * in "SLA due" order reads its matches a day at a time instead of joining every match to its due time or probing
 * the text for each ticket of the due index (src/main/store/search.ts, dueOrder). Tickets with no due time carry
 * no due token, which is what every index row written before this migration holds: only the tickets that have one
 * are indexed again.
 */
export const m015FtsSlaDue: Migration = {
  version: 15,
  name: 'fts-sla-due',
  up: (db) => {
    const fts = new FtsIndex(db);
    // Ids first: the connection cannot write while a read statement is still stepping.
    const ids = db.prepare('SELECT id FROM tickets WHERE sla_due_at IS NOT NULL').pluck().all() as string[];
    for (const id of ids) fts.refreshTicket(id);
    // Deleted rows and small segments left by rewriting many rows slow every search: merged into one.
    if (ids.length > 0) db.exec(`INSERT INTO ticket_fts(ticket_fts) VALUES ('optimize')`);
  },
};

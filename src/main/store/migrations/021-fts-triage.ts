import { FtsIndex } from '../fts';
import type { Migration } from './types';

/**
 * Triage (issue 15, desk): a ticket's category and whether its prediction waits for a person become facet tokens
 * of ticket_fts (facet.category, facet.needsTriage in ../fts), so the "Needs triage" view, its count and the
 * category filter are answered by the index like every other filter. Tickets without either carry neither token,
 * which is what every index row written before this holds: only tickets with a category or a prediction are
 * indexed again.
 */
export const m021FtsTriage: Migration = {
  version: 21,
  name: 'fts-triage',
  up: (db) => {
    const fts = new FtsIndex(db);
    const ids = db
      .prepare('SELECT id FROM tickets WHERE category IS NOT NULL OR triage IS NOT NULL')
      .pluck()
      .all() as string[];
    for (const id of ids) fts.refreshTicket(id);
    if (ids.length > 0) db.exec(`INSERT INTO ticket_fts(ticket_fts) VALUES ('optimize')`);
  },
};

import { FtsIndex } from '../fts';
import type { Migration } from './types';

/**
 * Status, department and assignee together become facet tokens of their own (facet.queue and the pairs in ../fts),
 * so "open or pending, in Billing, mine" intersects two short lists instead of three long ones (search.ts,
 * facetTerms). Every ticket's index row is written again: filtered searches ask for the new tokens, which an index
 * row written before this migration does not hold.
 */
export const m016FtsCombinedFacets: Migration = {
  version: 16,
  name: 'fts-combined-facets',
  up: (db) => {
    const fts = new FtsIndex(db);
    // Ids first: the connection cannot write while a read statement is still stepping.
    const ids = db.prepare('SELECT id FROM tickets').pluck().all() as string[];
    for (const id of ids) fts.refreshTicket(id);
    // Deleted rows and small segments left by rewriting every row slow every search: merged into one.
    if (ids.length > 0) db.exec(`INSERT INTO ticket_fts(ticket_fts) VALUES ('optimize')`);
  },
};

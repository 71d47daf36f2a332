import { FtsIndex, SEQ_SLOTS, ticketSeq } from '../fts';
import type { Migration } from './types';

/**
 * Tickets get `seq`, a key in order of creation (see ticketSeq), and ticket_fts is rebuilt with it as the rowid,
 * so that a search sorted newest or oldest first is read in the index's own order and stops after a page. The
 * rowid had been `rid`, the order the replica happened to receive tickets in (a first sync sends them by last
 * change, and a ticket moved in from another department arrives late): not an order an agent can sort by.
 */
export const m009TicketSeq: Migration = {
  version: 9,
  name: 'ticket-seq',
  up: (db) => {
    db.exec('ALTER TABLE tickets ADD COLUMN seq INTEGER');
    const rows = db.prepare('SELECT rid, created_at FROM tickets ORDER BY created_at, rid').all() as {
      rid: number;
      created_at: string;
    }[];
    const set = db.prepare('UPDATE tickets SET seq = ? WHERE rid = ?');
    // In creation order, each key at least one past the one before: unique, and in the same order.
    let last = 0;
    const unreadable: number[] = [];
    for (const r of rows) {
      const base = ticketSeq(r.created_at);
      if (base === null) {
        unreadable.push(r.rid);
        continue;
      }
      last = Math.max(base, last + 1);
      set.run(last, r.rid);
    }
    for (const rid of unreadable) set.run((last += SEQ_SLOTS), rid);
    db.exec('CREATE UNIQUE INDEX tickets_seq ON tickets(seq)');
    new FtsIndex(db).rebuildAll();
  },
};

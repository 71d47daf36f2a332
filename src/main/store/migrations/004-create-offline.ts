import type { Migration } from './types';

/**
 * Customers and tickets created on this desktop. The outbox held only ticket mutations (ticket_id NOT NULL);
 * a new customer names no ticket, so the table is rebuilt with ticket_id optional and a customer_id, keeping
 * every queued mutation and its order. customer_aliases remembers provisional customers the server merged
 * into an existing one (src/server/customers/README.md), so a screen that still holds the old id finds it.
 */
export const m004CreateOffline: Migration = {
  version: 4,
  name: 'create-offline',
  up: (db) => {
    db.exec(`
      CREATE TABLE outbox_next (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        ticket_id TEXT,
        comment_id TEXT,
        customer_id TEXT,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      INSERT INTO outbox_next (seq, mutation_id, name, args, ticket_id, comment_id, created_at, attempts, last_error)
        SELECT seq, mutation_id, name, args, ticket_id, comment_id, created_at, attempts, last_error FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_next RENAME TO outbox;
      CREATE INDEX outbox_ticket ON outbox(ticket_id);
      CREATE INDEX outbox_customer ON outbox(customer_id);

      CREATE TABLE customer_aliases (
        alias_id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL
      );
    `);
  },
};

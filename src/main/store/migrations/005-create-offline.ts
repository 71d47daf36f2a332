import type { Migration } from './types';

/**
 * Customers and tickets created on this desktop. A new customer's mutation names no ticket: the outbox gets a
 * customer_id (ticket_id is already optional since 004). customer_aliases remembers provisional customers the
 * server merged into an existing one (src/server/customers/README.md), so a screen that still holds the old
 * id finds it.
 */
export const m005CreateOffline: Migration = {
  version: 5,
  name: 'create-offline',
  up: (db) => {
    db.exec(`
      ALTER TABLE outbox ADD COLUMN customer_id TEXT;
      CREATE INDEX outbox_customer ON outbox(customer_id);

      CREATE TABLE customer_aliases (
        alias_id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL
      );
    `);
  },
};

import { FtsIndex } from '../fts';
import type { Migration } from './types';

/**
 * Customers get a full-text index of their own (name and company; email and phone digits), so an agent
 * finds a customer who has no ticket yet, in Chinese or English. Built from the stored customers.
 */
export const m003CustomerFts: Migration = {
  version: 3,
  name: 'customer-fts',
  up: (db) => {
    db.exec(`
      CREATE VIRTUAL TABLE customer_fts USING fts5(
        name, contact,
        tokenize = 'unicode61',
        content = '',
        contentless_delete = 1
      );
    `);
    const fts = new FtsIndex(db);
    // Ids first: the connection cannot write while a read statement is still stepping.
    const ids = db.prepare('SELECT id FROM customers').pluck().all() as string[];
    for (const id of ids) fts.refreshCustomer(id);
  },
};

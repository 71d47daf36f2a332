import type { Migration } from './types';

/** A ticket's hand-back request and a history entry's reason (a transfer's), as the service keeps them. */
export const m010TicketTransfer: Migration = {
  version: 10,
  name: 'ticket-transfer',
  up: (db) => {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN hand_back_to TEXT;
      ALTER TABLE history ADD COLUMN note TEXT;
    `);
  },
};

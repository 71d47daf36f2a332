import type { Migration } from './types';

/** Where a ticket came in (Ticket.channel), as the service keeps it; earlier tickets were all web. */
export const m011TicketChannel: Migration = {
  version: 11,
  name: 'ticket-channel',
  up: (db) => {
    db.exec(`ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';`);
  },
};

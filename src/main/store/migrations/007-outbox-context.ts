import type { Migration } from './types';

/**
 * What the agent's queued changes were about, kept when a department move empties the replica: the ticket as
 * this desktop held it (its number and subject, and the server's copy under the agent's edits). The changes
 * themselves stay queued and are usually refused next; the not-sent list then still names the ticket and shows
 * the server's value. Rows go once no queued change names their ticket.
 */
export const m007OutboxContext: Migration = {
  version: 7,
  name: 'outbox-context',
  up: (db) => {
    db.exec(`
      CREATE TABLE outbox_context (
        ticket_id TEXT PRIMARY KEY,
        local TEXT NOT NULL,
        base TEXT
      );
    `);
  },
};

import type { Migration } from './types';

/**
 * Which queued change a same-field conflict came from, and when the agent made it: when the ticket leaves the
 * replica before the agent settles the conflict (a department move, a disabled account, the ticket moved away),
 * the agent's value goes to the not-sent list under that change's id instead of going with the ticket.
 */
export const m008ConflictOrigin: Migration = {
  version: 8,
  name: 'conflict-origin',
  up: (db) => {
    db.exec(`
      ALTER TABLE ticket_conflicts ADD COLUMN mutation_id TEXT;
      ALTER TABLE ticket_conflicts ADD COLUMN typed_at TEXT;
    `);
  },
};

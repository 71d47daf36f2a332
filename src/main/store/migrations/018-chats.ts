import type { Migration } from './types';

/**
 * chat-timeline (issue 13): ended web chats of the department (sync kind `chat`, the service's chat_interactions),
 * for the customer's timeline offline. Indexed by customer and start time, the order the timeline reads them in.
 * A replica from before had not asked for them (PullRequest.accepts): the chats that ended before its upgrade
 * come with the next full sync, later ones as they end.
 */
export const m018Chats: Migration = {
  version: 18,
  name: 'chats',
  up: (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS chats (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        department_id TEXT NOT NULL,
        customer_id TEXT,
        agent_id TEXT,
        visitor_name TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        first_line TEXT NOT NULL,
        transcript TEXT NOT NULL,
        ticket_id TEXT
      );
      CREATE INDEX IF NOT EXISTS chats_customer_time ON chats(customer_id, started_at, id);
    `);
  },
};

import type { Migration } from './types';

/**
 * chat-outbox (issue 13): what the agent wrote in a web chat and the server has not stored yet, so a restart of
 * the desktop services during an outage does not lose it. Written before the send is tried, removed when the
 * server acknowledges it (or the agent discards it); `seq` keeps the order it was written in, the order it is
 * sent in. `state` is queued or failed (a refusal, `error` its reason as the server said it); a send in flight
 * when the desktop stopped is queued again, and the server stores a resend with the same client_id once.
 */
export const m019ChatOutbox: Migration = {
  version: 19,
  name: 'chat-outbox',
  up: (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS chat_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        chat_id TEXT NOT NULL,
        text TEXT NOT NULL,
        attachments TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'failed')),
        error TEXT
      );
    `);
  },
};

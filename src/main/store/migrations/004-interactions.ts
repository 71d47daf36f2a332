import type { Migration } from './types';

/**
 * Call records (interactions) of the agent's department, and an outbox that can queue changes to them.
 *
 * interactions: the pulled server copy, with the agent's unsent changes laid over it. `server_base` keeps that
 * copy (JSON Interaction) while changes are pending, as tickets do, so a refused change can be undone;
 * `provisional` marks a call logged here that the server has not sent back yet: when the server's record of
 * the same call (same Call-ID and agent) arrives under another id, the provisional row is folded into it and
 * its id kept in `interaction_aliases`, so a wrap-up still names the call by the id the softphone knew.
 *
 * The outbox is rebuilt because ticket_id was NOT NULL: a call's mutations name an interaction instead.
 */
export const m004Interactions: Migration = {
  version: 4,
  name: 'interactions',
  up: (db) => {
    db.exec(`
      CREATE TABLE interactions (
        id TEXT PRIMARY KEY,
        call_id TEXT NOT NULL,
        direction TEXT NOT NULL,
        caller_number TEXT NOT NULL,
        callee_number TEXT NOT NULL,
        queue_number TEXT,
        department_id TEXT NOT NULL,
        agent_id TEXT,
        customer_id TEXT,
        status TEXT NOT NULL,
        ring_at TEXT NOT NULL,
        answer_at TEXT,
        end_at TEXT,
        hold_seconds INTEGER NOT NULL,
        disposition TEXT,
        notes TEXT,
        ticket_id TEXT,
        completed_at TEXT,
        version INTEGER NOT NULL,
        provisional INTEGER NOT NULL DEFAULT 0,
        server_base TEXT
      );
      CREATE INDEX interactions_customer ON interactions(customer_id, ring_at);
      CREATE INDEX interactions_caller ON interactions(caller_number, ring_at);
      CREATE INDEX interactions_call ON interactions(call_id);

      CREATE TABLE interaction_aliases (
        id TEXT PRIMARY KEY,
        interaction_id TEXT NOT NULL
      );
      CREATE INDEX interaction_aliases_target ON interaction_aliases(interaction_id);

      CREATE TABLE outbox_next (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        ticket_id TEXT,
        comment_id TEXT,
        interaction_id TEXT,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      INSERT INTO outbox_next (seq, mutation_id, name, args, ticket_id, comment_id, created_at, attempts, last_error)
        SELECT seq, mutation_id, name, args, ticket_id, comment_id, created_at, attempts, last_error
        FROM outbox ORDER BY seq;
      DROP TABLE outbox;
      ALTER TABLE outbox_next RENAME TO outbox;
      CREATE INDEX outbox_ticket ON outbox(ticket_id);
      CREATE INDEX outbox_interaction ON outbox(interaction_id);
    `);
  },
};

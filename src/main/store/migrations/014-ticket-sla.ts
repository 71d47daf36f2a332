import type { Migration } from './types';

/**
 * A ticket's SLA as this desktop computes it from its own replica (src/main/store/sla.ts): the clock's inputs
 * (`sla_timeline`, JSON SlaTimeline), the earliest open due time (`sla_due_at`, epoch ms, the "SLA due" sort and
 * the "Breaching soon" view) and the most urgent state when it was computed. `sla_stale` marks rows whose inputs
 * changed since: triggers set it on every write that can move the clock (status, priority, department, channel,
 * a comment, a history entry), so no write path of the store has to remember to, and a new row starts stale.
 * The last configuration the service gave (policies, calendars) is kept in `meta` under `admin_config`.
 */
export const m014TicketSla: Migration = {
  version: 14,
  name: 'ticket-sla',
  up: (db) => {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN sla_due_at INTEGER;
      ALTER TABLE tickets ADD COLUMN sla_state TEXT;
      ALTER TABLE tickets ADD COLUMN sla_timeline TEXT;
      ALTER TABLE tickets ADD COLUMN sla_stale INTEGER NOT NULL DEFAULT 1;
      -- The due order and "Breaching soon" read this index alone: it holds what their filters ask.
      CREATE INDEX tickets_sla_due
        ON tickets(sla_due_at, sla_state, status, assignee_id, department_id, priority, seq)
        WHERE sla_due_at IS NOT NULL;
      CREATE INDEX tickets_sla_stale ON tickets(sla_stale) WHERE sla_stale = 1;
      -- Text matches joined to their due times read this index alone (one seek per match, no row).
      CREATE INDEX tickets_seq_sla ON tickets(seq, sla_due_at, sla_state);

      CREATE TRIGGER tickets_sla_inputs AFTER UPDATE OF status, priority, department_id, channel, created_at
        ON tickets WHEN NEW.sla_stale = 0
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE rid = NEW.rid; END;
      CREATE TRIGGER comments_sla_insert AFTER INSERT ON comments
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE id = NEW.ticket_id AND sla_stale = 0; END;
      CREATE TRIGGER comments_sla_update AFTER UPDATE ON comments
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE id IN (OLD.ticket_id, NEW.ticket_id) AND sla_stale = 0; END;
      CREATE TRIGGER comments_sla_delete AFTER DELETE ON comments
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE id = OLD.ticket_id AND sla_stale = 0; END;
      CREATE TRIGGER history_sla_insert AFTER INSERT ON history
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE id = NEW.ticket_id AND sla_stale = 0; END;
      CREATE TRIGGER history_sla_delete AFTER DELETE ON history
        BEGIN UPDATE tickets SET sla_stale = 1 WHERE id = OLD.ticket_id AND sla_stale = 0; END;
    `);
  },
};

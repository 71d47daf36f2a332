import type { Migration } from './types';

/**
 * The list's "breaching soon" and "SLA due" reads over a large replica (bench:store, a million tickets):
 * - tickets_seq_sla also holds the status, so text matches joined to their due times check a status filter in
 *   the same seek (search.ts joinParts) rather than as facet tokens FTS5 steps through for every match;
 * - tickets_assignee_due is the due order of one assignee ("Breaching soon" for one agent), read as a range:
 *   walking every ticket's due time for one agent's read twelve times as many entries on the bench's twelve.
 */
export const m022SlaIndexStatus: Migration = {
  version: 22,
  name: 'sla-index-status',
  up: (db) => {
    db.exec(`
      DROP INDEX IF EXISTS tickets_seq_sla;
      CREATE INDEX tickets_seq_sla ON tickets(seq, sla_due_at, sla_state, status);
      CREATE INDEX IF NOT EXISTS tickets_assignee_due
        ON tickets(assignee_id, sla_due_at, sla_state, status, department_id, priority, seq)
        WHERE sla_due_at IS NOT NULL;
    `);
  },
};

import type { Database, Statement } from 'better-sqlite3';
import type { Channel, TicketPriority, TicketStatus } from '../../shared/domain';
import { UNSOLVED_STATUSES } from '../../shared/domain/ticket-rules';
import { dueTokens, FtsIndex } from './fts';
import { slaTimeline, type SlaEngine, type SlaState, type SlaTimeline } from '../../shared/sla';

/**
 * The replica's SLA columns (migration 012): recomputed from the replica's own ticket, status history and comments
 * with the shared engine, so the desktop's "SLA due" order and "Breaching soon" view agree with the service's
 * clock and keep working offline.
 */

/** meta key of the last configuration (policies, calendars) the service gave, as JSON AdminConfig. */
export const CONFIG_META = 'admin_config';

const UNSOLVED_SQL = UNSOLVED_STATUSES.map((s) => `'${s}'`).join(', ');

interface StaleRow {
  rid: number;
  id: string;
  department_id: string;
  priority: TicketPriority;
  channel: Channel;
  status: TicketStatus;
  created_at: string;
  sla_due_at: number | null;
}

/**
 * After a pass of recomputation (calls until no ticket is stale) that wrote this many index rows again for new due
 * days, the search index is merged into one segment (see refreshStale).
 */
export const OPTIMIZE_AFTER = 10_000;

/** Writes of the SLA columns, on the writing connection. */
export class SlaWriter {
  private readonly s: Record<string, Statement>;
  private readonly fts: FtsIndex;
  /** Index rows written again in this pass of recomputation. */
  private rewritten = 0;

  constructor(private readonly db: Database) {
    this.fts = new FtsIndex(db);
    this.s = {
      stale: db.prepare(
        `SELECT rid, id, department_id, priority, channel, status, created_at, sla_due_at FROM tickets
         WHERE sla_stale = 1 LIMIT ?`,
      ),
      history: db.prepare(
        `SELECT field, from_value AS "from", to_value AS "to", at FROM history WHERE ticket_id = ? AND field = 'status'`,
      ),
      comments: db.prepare('SELECT author_id, internal, created_at FROM comments WHERE ticket_id = ?'),
      put: db.prepare(
        'UPDATE tickets SET sla_timeline = ?, sla_due_at = ?, sla_state = ?, sla_stale = 0 WHERE rid = ?',
      ),
      unsolvedStale: db.prepare(
        `UPDATE tickets SET sla_stale = 1 WHERE sla_stale = 0 AND status IN (${UNSOLVED_SQL})`,
      ),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
  }

  /**
   * Recompute up to `limit` stale tickets (the due time only for unsolved ones) (one transaction); returns their ids and whether more are stale.
   * Without a configuration (never fetched yet) the timeline is still kept and no ticket has a due time.
   */
  refreshStale(engine: SlaEngine | null, now: number, limit: number): { ticketIds: string[]; more: boolean } {
    return this.db
      .transaction(() => {
        const rows = this.s.stale!.all(limit + 1) as StaleRow[];
        const more = rows.length > limit;
        const ids: string[] = [];
        for (const r of rows.slice(0, limit)) {
          const ticket = {
            departmentId: r.department_id,
            priority: r.priority,
            channel: r.channel,
            status: r.status,
            createdAt: r.created_at,
          };
          const history = this.s.history!.all(r.id) as {
            field: string;
            from: string | null;
            to: string | null;
            at: string;
          }[];
          const comments = (
            this.s.comments!.all(r.id) as { author_id: string | null; internal: number; created_at: string }[]
          ).map((c) => ({ authorId: c.author_id, internal: c.internal !== 0, createdAt: c.created_at }));
          let timeline: SlaTimeline | null = null;
          let due: number | null = null;
          let state: SlaState | null = null;
          if (Number.isFinite(Date.parse(r.created_at))) {
            timeline = slaTimeline(ticket, history, comments);
            const sla = engine?.statusOf(ticket, timeline, now) ?? null;
            // Solved and closed tickets ask nothing of anyone: no place in the due order or "Breaching soon".
            due = UNSOLVED_STATUSES.includes(r.status) ? (sla?.status.nextDueAt ?? null) : null;
            state = sla?.status.state ?? null;
          }
          this.s.put!.run(timeline ? JSON.stringify(timeline) : null, due, state, r.rid);
          // The index holds the due day as a facet (see dueTokens): rewritten when it changes, so a text search in
          // due order finds the ticket in its new place.
          if (dueTokens(due) !== dueTokens(r.sla_due_at)) {
            this.fts.refreshTicket(r.id);
            this.rewritten++;
          }
          ids.push(r.id);
        }
        // A first sync or a new calendar writes most open tickets' index rows again: left as deleted rows and
        // small segments, they made every search of the replica slower (p95 6 -> 10 ms for text and a status over
        // 200,000 tickets). Merging costs ~1 s per 200,000 tickets, once.
        // Counted over one pass (calls until none is stale), so a day of single edits never sets it off.
        if (!more) {
          if (this.rewritten >= OPTIMIZE_AFTER)
            this.db.exec(`INSERT INTO ticket_fts(ticket_fts) VALUES ('optimize')`);
          this.rewritten = 0;
        }
        return { ticketIds: ids, more };
      })
      .immediate();
  }

  /** A new configuration: every unsolved ticket's due time is computed again. */
  markUnsolvedStale(): number {
    return this.s.unsolvedStale!.run().changes;
  }

  saveConfig(json: string): void {
    this.s.setMeta!.run(CONFIG_META, json);
  }
}

/** A ticket the breach watcher looks at. */
export interface WatchedTicket {
  id: string;
  number: number | null;
  subject: string;
  departmentId: string;
  priority: TicketPriority;
  channel: Channel;
  status: TicketStatus;
  createdAt: string;
  timeline: SlaTimeline;
}

/** Reads for the SLA watcher, on the read-only connection. */
export class SlaReader {
  private readonly watched: Statement;

  constructor(db: Database) {
    this.watched = db.prepare(
      `SELECT id, number, subject, department_id, priority, channel, status, created_at, sla_timeline FROM tickets
       WHERE status IN (${UNSOLVED_SQL}) AND sla_timeline IS NOT NULL
         AND (assignee_id = @user OR (@department IS NOT NULL AND assignee_id IS NULL AND department_id = @department))`,
    );
  }

  /** Unsolved tickets assigned to `userId`, and with `departmentId` (a supervisor's) that department's unassigned. */
  watchList(userId: string, departmentId: string | null): WatchedTicket[] {
    return (
      this.watched.all({ user: userId, department: departmentId }) as {
        id: string;
        number: number | null;
        subject: string;
        department_id: string;
        priority: TicketPriority;
        channel: Channel;
        status: TicketStatus;
        created_at: string;
        sla_timeline: string;
      }[]
    ).map((r) => ({
      id: r.id,
      number: r.number,
      subject: r.subject,
      departmentId: r.department_id,
      priority: r.priority,
      channel: r.channel,
      status: r.status,
      createdAt: r.created_at,
      timeline: JSON.parse(r.sla_timeline) as SlaTimeline,
    }));
  }
}

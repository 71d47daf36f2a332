import type { Database, Statement } from 'better-sqlite3';
import type { TicketPriority, TicketStatus } from '../../shared/domain';
import type { TicketPage } from '../../shared/ipc/contract';
import { ftsQuery } from '../../shared/search/segment';
import { facet } from './fts';
import { ticketRowFromDb, type TicketListDbRow } from './rows';

/** A ticket search with 'me' already resolved to a user id. */
export interface ResolvedTicketQuery {
  text: string;
  status: readonly TicketStatus[];
  priority: readonly TicketPriority[];
  departmentId: string | null;
  assignee: string | 'unassigned' | null;
  offset: number;
  limit: number;
}

/**
 * Counting stops here: a larger total means "at least this many" (the list shows "10000+"), and
 * paging still reaches every match. Counting every match of a common word over a million tickets
 * would cost more than the search itself.
 */
export const TOTAL_CAP = 10_000;

/**
 * bm25 is computed for the newest RANK_WINDOW matches only: ranking all 200,000 tickets that mention
 * "refund" takes half a second, and for such a word recency is what an agent wants anyway. Fewer
 * matches than this are ranked in full; beyond the window, results continue newest first.
 */
export const RANK_WINDOW = 1000;

/** Column weights for bm25: subject, body, customer, facets (filters never affect relevance). */
const BM25_WEIGHTS = '4.0, 1.0, 2.0, 0.0';

const LIST_COLUMNS = `t.*, c.name AS customer_name,
  EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id) AS pending,
  EXISTS (SELECT 1 FROM ticket_conflicts k WHERE k.ticket_id = t.id) AS conflict`;

/** Filters as facet tokens inside a MATCH: FTS5 intersects the lists, no join per match. */
function facetTerms(q: ResolvedTicketQuery): string[] {
  return [
    q.status.length ? `facets : (${q.status.map(facet.status).join(' OR ')})` : '',
    q.priority.length ? `facets : (${q.priority.map(facet.priority).join(' OR ')})` : '',
    q.departmentId ? `facets : ${facet.department(q.departmentId)}` : '',
    q.assignee ? `facets : ${facet.assignee(q.assignee === 'unassigned' ? null : q.assignee)}` : '',
  ].filter(Boolean);
}

/**
 * Ticket search over the replica. With text: FTS5 match ranked by bm25, ties by most recently
 * updated. Without: most recently updated first. Filters narrow either.
 */
export class TicketSearch {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  search(q: ResolvedTicketQuery): TicketPage {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status.length) {
      where.push(`t.status IN (${q.status.map(() => '?').join(',')})`);
      params.push(...q.status);
    }
    if (q.priority.length) {
      where.push(`t.priority IN (${q.priority.map(() => '?').join(',')})`);
      params.push(...q.priority);
    }
    if (q.departmentId) {
      where.push('t.department_id = ?');
      params.push(q.departmentId);
    }
    if (q.assignee === 'unassigned') where.push('t.assignee_id IS NULL');
    else if (q.assignee) {
      where.push('t.assignee_id = ?');
      params.push(q.assignee);
    }
    const match = q.text.trim() ? ftsQuery(q.text) : null;
    if (q.text.trim() && !match) return { total: 0, rows: [] };

    if (match) {
      const expr = [`(${match})`, ...facetTerms(q)].join(' AND ');
      const matches = 'FROM ticket_fts WHERE ticket_fts MATCH ?';
      const rows: TicketListDbRow[] = [];
      if (q.offset < RANK_WINDOW) {
        rows.push(
          ...(this.stmt(
            `SELECT ${LIST_COLUMNS}
             FROM (SELECT rowid AS rid, bm25(ticket_fts, ${BM25_WEIGHTS}) AS rank ${matches}
                   ORDER BY rowid DESC LIMIT ${RANK_WINDOW}) m
             JOIN tickets t ON t.rid = m.rid LEFT JOIN customers c ON c.id = t.customer_id
             ORDER BY m.rank, t.updated_at DESC LIMIT ? OFFSET ?`,
          ).all(expr, Math.min(q.limit, RANK_WINDOW - q.offset), q.offset) as TicketListDbRow[]),
        );
      }
      const rest = q.limit - rows.length;
      if (rest > 0 && (rows.length === 0 || q.offset + rows.length >= RANK_WINDOW)) {
        rows.push(
          ...(this.stmt(
            `SELECT ${LIST_COLUMNS}
             FROM (SELECT rowid AS rid ${matches} ORDER BY rowid DESC LIMIT ? OFFSET ?) m
             JOIN tickets t ON t.rid = m.rid LEFT JOIN customers c ON c.id = t.customer_id
             ORDER BY t.rid DESC`,
          ).all(expr, rest, Math.max(RANK_WINDOW, q.offset + rows.length)) as TicketListDbRow[]),
        );
      }
      const total = this.count(
        `SELECT count(*) AS n FROM (SELECT 1 ${matches} LIMIT ${TOTAL_CAP})`,
        [expr],
        q,
        rows.length,
      );
      return { total, rows: rows.map(ticketRowFromDb) };
    }

    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.stmt(
      `SELECT ${LIST_COLUMNS} FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
       ${filter} ORDER BY t.updated_at DESC LIMIT ? OFFSET ?`,
    ).all(...params, q.limit, q.offset) as TicketListDbRow[];
    // Counting filtered rows through the table costs a lookup per row; the facet lists do it in the index.
    const total = where.length
      ? this.count(
          `SELECT count(*) AS n FROM (SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH ? LIMIT ${TOTAL_CAP})`,
          [facetTerms(q).join(' AND ')],
          q,
          rows.length,
        )
      : this.count(
          `SELECT count(*) AS n FROM (SELECT 1 FROM tickets LIMIT ${TOTAL_CAP})`,
          [],
          q,
          rows.length,
        );
    return { total, rows: rows.map(ticketRowFromDb) };
  }

  /** Exact up to TOTAL_CAP, and never less than what this page proves exists. */
  private count(sql: string, params: unknown[], q: ResolvedTicketQuery, got: number): number {
    if (q.offset === 0 && got < q.limit) return got;
    const n = (this.stmt(sql).get(...params) as { n: number }).n;
    return Math.max(n, q.offset + got);
  }
}

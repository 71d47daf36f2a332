import MiniSearch from 'minisearch';
import type { Db } from '../db/schema';
import { tokenize } from '../kb/tokenize';
import { fuse } from './fuse';
import { NgramIndex } from './ngram';

/** A solved ticket as a source: what was asked, and the public reply that solved it. */
export interface SolvedTicket {
  id: string;
  number: number | null;
  departmentId: string;
  subject: string;
  description: string;
  /** The last public reply by an agent (not an internal note, not the customer's message); '' when none. */
  reply: string;
}

export interface RankedTicket {
  ticket: SolvedTicket;
  score: number;
}

const SOLVED = ['solved', 'closed'] as const;
const DEPTH = 20;
const MIN_COSINE = 0.2;
/** Tickets indexed between two turns of the event loop. */
const YIELD_EVERY = 100;
/** Tickets loaded per catch-up query. */
const PAGE = 2000;

type Doc = { id: string; subject: string; text: string };

/**
 * Similar solved tickets, hybrid like the articles: BM25+ over the knowledge base's terms (subject weighs 2)
 * and character n-gram cosine over subject, description and solving reply, fused by reciprocal rank. One
 * in-memory index per node over the solved and closed tickets; before each search, tickets and comments changed
 * since the last look (by their change-log version) are read again, so a ticket solved, reopened or answered
 * meanwhile is up to date.
 */
export class SolvedTicketIndex {
  private readonly bm25 = new MiniSearch<Doc>({
    fields: ['subject', 'text'],
    tokenize,
    processTerm: (t) => t,
    searchOptions: { boost: { subject: 2, text: 1 } },
  });
  private readonly ngram = new NgramIndex();
  private readonly tickets = new Map<string, SolvedTicket>();
  private seen = -1;
  private running: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  get size(): number {
    return this.tickets.size;
  }

  /** Brings the index up to the database (one catch-up at a time; callers meanwhile wait for it). */
  async fresh(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.step().finally(() => (this.running = undefined));
    await this.running;
  }

  private async step(): Promise<void> {
    const head = await this.db
      .selectFrom('tickets')
      .select((e) => e.fn.max('version').as('v'))
      .executeTakeFirst();
    const commentsHead = await this.db
      .selectFrom('ticket_comments')
      .select((e) => e.fn.max('version').as('v'))
      .executeTakeFirst();
    const top = Math.max(Number(head?.v ?? 0), Number(commentsHead?.v ?? 0));
    if (top <= this.seen) return;
    const changed = new Set<string>();
    for (const r of await this.db
      .selectFrom('tickets')
      .select('id')
      .where('version', '>', this.seen)
      .execute())
      changed.add(r.id);
    for (const r of await this.db
      .selectFrom('ticket_comments')
      .select('ticket_id')
      .where('version', '>', this.seen)
      .execute())
      changed.add(r.ticket_id);
    const ids = [...changed];
    for (let i = 0; i < ids.length; i += PAGE) await this.load(ids.slice(i, i + PAGE));
    this.ngram.refresh();
    this.seen = top;
  }

  private async load(ids: string[]): Promise<void> {
    const rows = await this.db
      .selectFrom('tickets')
      .select([
        'id',
        'number',
        'department_id',
        'subject',
        'description',
        'status',
        'deleted_at',
        'merged_into',
      ])
      .where('id', 'in', ids)
      .execute();
    const solved = rows.filter(
      (r) => (SOLVED as readonly string[]).includes(r.status) && !r.deleted_at && !r.merged_into,
    );
    const replies = new Map<string, { at: string; body: string }>();
    if (solved.length)
      for (const c of await this.db
        .selectFrom('ticket_comments')
        .select(['ticket_id', 'body', 'created_at', 'from_customer'])
        .where(
          'ticket_id',
          'in',
          solved.map((r) => r.id),
        )
        .where('internal', '=', 0)
        .execute()) {
        if (c.from_customer === 1) continue;
        const was = replies.get(c.ticket_id);
        if (!was || was.at < c.created_at) replies.set(c.ticket_id, { at: c.created_at, body: c.body });
      }
    for (const id of ids) this.drop(id);
    let n = 0;
    for (const r of solved) {
      // Segmenting thousands of tickets takes seconds: let the service answer other requests meanwhile.
      if (++n % YIELD_EVERY === 0) await new Promise((ok) => setImmediate(ok));
      const t: SolvedTicket = {
        id: r.id,
        number: r.number,
        departmentId: r.department_id,
        subject: r.subject,
        description: r.description,
        reply: replies.get(r.id)?.body ?? '',
      };
      this.tickets.set(t.id, t);
      const text = `${t.description}\n${t.reply}`;
      this.bm25.add({ id: t.id, subject: t.subject, text });
      this.ngram.put(t.id, `${t.subject}\n${t.subject}\n${text}`);
    }
  }

  private drop(id: string): void {
    if (!this.tickets.has(id)) return;
    this.tickets.delete(id);
    this.bm25.discard(id);
    this.ngram.remove(id);
  }

  /**
   * Solved tickets like `query`, best first, of the departments given (undefined: all), never `exclude` (the
   * ticket being answered). Call fresh() first.
   */
  search(
    query: string,
    opts: { departments?: readonly string[]; exclude?: string; limit?: number },
  ): RankedTicket[] {
    const ok = (id: string) => {
      const t = this.tickets.get(id);
      return (
        t !== undefined &&
        id !== opts.exclude &&
        (!opts.departments || opts.departments.includes(t.departmentId))
      );
    };
    const terms = [...new Set(tokenize(query))].slice(0, 12);
    const lexical = terms.length
      ? this.bm25
          .search(query, { tokenize: () => terms, filter: (r) => ok(r.id as string) })
          .slice(0, DEPTH)
          .map((r) => r.id as string)
      : [];
    const denseHits = this.ngram.search(query, DEPTH, ok);
    const dense = denseHits.map((r) => r.id);
    // A ticket only the n-gram signal found, and weakly, shares a few characters with the question: not similar.
    const close = new Set([...lexical, ...denseHits.filter((h) => h.score >= MIN_COSINE).map((h) => h.id)]);
    return fuse([lexical, dense])
      .filter((h) => close.has(h.id))
      .slice(0, opts.limit ?? 3)
      .map(({ id, score }) => ({ ticket: this.tickets.get(id)!, score }));
  }
}

import MiniSearch from 'minisearch';
import type { KbArticle, KbAudience, KbHit, KbLanguage, KbState } from '../../shared/kb';
import type { Tx } from '../db/schema';
import { articlesAfter, articlesHead } from './kb-store';
import { tokenize } from './tokenize';

/** What a search may return: the caller's visibility, as a filter on articles. */
export interface KbFilter {
  states: readonly KbState[];
  audiences?: readonly KbAudience[];
  /** Department ids whose articles are visible (all-department articles always are); undefined: every one. */
  departments?: readonly string[];
  language?: KbLanguage;
  categoryId?: string;
}

/** Field weights: a term in the title counts three times one in the body, a tag twice. */
const BOOST = { title: 3, tags: 2, body: 1 };
/** Rows loaded per catch-up query, so a node that missed many changes does not hold one huge result. */
const CATCH_UP_PAGE = 2000;
/**
 * Query terms found in more than this share of the articles are left out of a query that has rarer ones: their
 * BM25 weight is near nothing (IDF ~0.7 against ~8 for a rare term), while scoring their postings (到, 账, 如何 in
 * thousands of articles) is most of a search's time.
 */
const COMMON_SHARE = 0.2;
/** At most this many terms of a query are scored, the rarest first (a ticket's whole description as a query). */
const MAX_TERMS = 8;

type Doc = { id: string; title: string; body: string; tags: string };

/**
 * One node's in-memory BM25+ index of every article (minisearch, with the kb tokenizer), the same on SQLite and
 * PostgreSQL. Several nodes may share one PostgreSQL database: before each search, one indexed lookup of the
 * highest article version tells whether another node changed something; only the rows above the version this
 * node has seen are then loaded. Versions are taken under a counter row's lock (kb-store.ts nextKbVersion), so
 * they commit in order and nothing below the highest seen can appear later.
 */
export class KbIndex {
  private search$ = this.empty();
  private readonly articles = new Map<string, KbArticle>();
  /** Document frequency: in how many articles each term occurs (the terms' rarity, for choosing query terms). */
  private readonly df = new Map<string, number>();
  /** While an article is added: the terms the index's tokenizer gave, to count in `df`. */
  private collecting: Set<string> | null = null;
  private seen = -1;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly db: Tx) {}

  private empty(): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      fields: ['title', 'body', 'tags'],
      tokenize: (text) => {
        const terms = tokenize(text);
        if (this.collecting) for (const t of terms) this.collecting.add(t);
        return terms;
      },
      // The tokenizer already lower-cases and stems; minisearch must not process terms again.
      processTerm: (t) => t,
      searchOptions: { boost: BOOST },
    });
  }

  /** Articles held (every state); for diagnostics and benchmarks. */
  get size(): number {
    return this.articles.size;
  }

  /**
   * Brings the index up to what the database holds. Callers arriving while a catch-up runs wait for one that
   * starts after theirs arrived, so a search never misses a change committed before it was asked.
   */
  fresh(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return (this.running = this.step());
    const after = this.running;
    this.queued = after.then(() => {
      this.queued = undefined;
      return (this.running = this.step());
    });
    return this.queued;
  }

  private async step(): Promise<void> {
    try {
      const head = await articlesHead(this.db);
      while (head > this.seen) {
        const rows = await articlesAfter(this.db, this.seen, CATCH_UP_PAGE);
        if (rows.length === 0) break;
        for (const a of rows) this.put(a);
        this.seen = rows.at(-1)!.version;
      }
      // An empty table: remember so, rather than asking for rows after -1 again each time.
      if (head === 0 && this.seen < 0) this.seen = 0;
    } finally {
      this.running = undefined;
    }
  }

  /** Adds or replaces one article (its newer version); also used right after this node's own change. */
  put(a: KbArticle): void {
    const old = this.articles.get(a.id);
    if (old && old.version > a.version) return;
    if (old) {
      this.search$.discard(a.id);
      for (const t of new Set([
        ...tokenize(old.title),
        ...tokenize(old.body),
        ...tokenize(old.tags.join(' ')),
      ])) {
        const n = (this.df.get(t) ?? 1) - 1;
        if (n > 0) this.df.set(t, n);
        else this.df.delete(t);
      }
    }
    this.articles.set(a.id, a);
    this.collecting = new Set();
    try {
      this.search$.add({ id: a.id, title: a.title, body: a.body, tags: a.tags.join(' ') });
      for (const t of this.collecting) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    } finally {
      this.collecting = null;
    }
  }

  /**
   * The terms of a query worth scoring: each once, the rarest first, at most MAX_TERMS, without those in more
   * than COMMON_SHARE of the articles when rarer ones remain. Terms no article has stay (an unfinished word
   * still matches by prefix). `last`: the query's last term, if kept.
   */
  private queryTerms(query: string): { terms: string[]; last: string | undefined } {
    const all = tokenize(query);
    const unique = [...new Set(all)];
    const df = (t: string) => this.df.get(t) ?? 0;
    unique.sort((x, y) => df(x) - df(y));
    const common = Math.max(1, this.articles.size * COMMON_SHARE);
    const rare = unique.filter((t) => df(t) <= common);
    const terms = (rare.length > 0 ? rare : unique.slice(0, 1)).slice(0, MAX_TERMS);
    const lastTerm = all.at(-1);
    return { terms, last: lastTerm !== undefined && terms.includes(lastTerm) ? lastTerm : undefined };
  }

  get(id: string): KbArticle | undefined {
    return this.articles.get(id);
  }

  /** Every article held (every state), for indexes built beside this one (suggested answers, issue 15). */
  all(): IterableIterator<KbArticle> {
    return this.articles.values();
  }

  /**
   * BM25+ ranked articles matching `query` under `filter` (call fresh() first). An empty query lists the
   * visible articles, most recently changed first.
   */
  search(query: string, filter: KbFilter, limit: number): { hits: KbHit[]; total: number } {
    const visible = (a: KbArticle) =>
      filter.states.includes(a.state) &&
      (!filter.audiences || filter.audiences.includes(a.audience)) &&
      (!filter.language || a.language === filter.language) &&
      (!filter.categoryId || a.categoryId === filter.categoryId) &&
      (!filter.departments || a.departmentId === null || filter.departments.includes(a.departmentId));
    const { terms, last } = this.queryTerms(query);
    if (terms.length === 0) {
      const all = [...this.articles.values()].filter(visible);
      all.sort((x, y) => (x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : 0));
      return { hits: all.slice(0, limit).map((a) => hit(a, 0, [])), total: all.length };
    }
    const results = this.search$.search(query, {
      tokenize: () => terms,
      // Typing as one searches: the last Latin word may be unfinished ("refu" finds refund).
      prefix: (t) => t === last && /^[a-z]{3,}$/.test(t),
      filter: (r) => {
        const a = this.articles.get(r.id as string);
        return a !== undefined && visible(a);
      },
    });
    return {
      hits: results
        .slice(0, limit)
        .map((r) => hit(this.articles.get(r.id as string)!, r.score, r.queryTerms)),
      total: results.length,
    };
  }
}

const EXCERPT = 160;

/** The article without its body, with the body's passage around the first term found (as plain text). */
function hit(a: KbArticle, score: number, terms: readonly string[]): KbHit {
  const { body, ...rest } = a;
  const flat = body.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  let at = -1;
  for (const t of terms) {
    const i = lower.indexOf(t);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = at < EXCERPT / 3 ? 0 : at - Math.floor(EXCERPT / 3);
  const cut = flat.slice(start, start + EXCERPT);
  const excerpt = `${start > 0 ? '…' : ''}${cut}${start + EXCERPT < flat.length ? '…' : ''}`;
  return { ...rest, excerpt, score: Math.round(score * 1000) / 1000 };
}

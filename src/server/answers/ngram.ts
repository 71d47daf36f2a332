/**
 * The dense-ish signal of hybrid retrieval: tf-idf cosine over character n-grams. Chinese runs give character
 * bigrams (and single characters, weakly), Latin words padded trigrams ("#pas", "pas", "ass", ..., "rd#"), so a
 * misspelt word ("pasword", "refnd") or a word jieba cut differently still shares most of its grams with the
 * article's, and mixed Chinese-English text matches on both kinds at once.
 */

/** Repeated grams count less than linearly (1 + ln c). */
const sublinear = (c: number) => (c > 1 ? 1 + Math.log(c) : c);

/** Share of the collection that may change before the weights are computed again. */
const DRIFT = 0.1;

const HAN_RUN = /\p{Script=Han}+/gu;
const WORD = /[\p{Script=Latin}\d]+/gu;

/** The n-grams of a text with their counts. */
export function grams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (g: string, w = 1) => out.set(g, (out.get(g) ?? 0) + w);
  const s = text.normalize('NFKC').toLowerCase();
  for (const m of s.matchAll(HAN_RUN)) {
    const run = m[0];
    for (let i = 0; i < run.length; i++) {
      add(`u:${run[i]}`, 0.5);
      if (i + 1 < run.length) add(run.slice(i, i + 2));
    }
  }
  for (const m of s.matchAll(WORD)) {
    const w = `#${m[0]}#`;
    if (w.length <= 4) {
      add(w);
      continue;
    }
    for (let i = 0; i + 3 <= w.length; i++) add(w.slice(i, i + 3));
  }
  return out;
}

interface Doc {
  tf: Map<string, number>;
  norm: number;
}

/** An inverted index of documents' n-gram vectors; cosine similarity of a query against every document. */
export class NgramIndex {
  private readonly docs = new Map<string, Doc>();
  private readonly postings = new Map<string, Map<string, number>>();
  private idf = new Map<string, number>();
  private maxIdf = 1;
  private sizeAtRefresh = 0;
  private dirty = true;

  get size(): number {
    return this.docs.size;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  put(id: string, text: string): void {
    this.remove(id);
    const tf = new Map<string, number>();
    for (const [g, c] of grams(text)) tf.set(g, sublinear(c));
    const doc: Doc = { tf, norm: 0 };
    this.docs.set(id, doc);
    for (const [g, c] of tf) {
      let p = this.postings.get(g);
      if (!p) this.postings.set(g, (p = new Map()));
      p.set(id, c);
    }
    // The weights of the last full refresh serve until the collection has changed by a tenth: one ticket
    // solved among thousands does not recompute every document's norm.
    if (Math.abs(this.docs.size - this.sizeAtRefresh) > this.sizeAtRefresh * DRIFT) this.dirty = true;
    if (!this.dirty) doc.norm = this.norm(tf);
  }

  remove(id: string): void {
    const d = this.docs.get(id);
    if (!d) return;
    for (const g of d.tf.keys()) {
      const p = this.postings.get(g);
      p?.delete(id);
      if (p && p.size === 0) this.postings.delete(g);
    }
    this.docs.delete(id);
    if (Math.abs(this.docs.size - this.sizeAtRefresh) > this.sizeAtRefresh * DRIFT) this.dirty = true;
  }

  /** A gram's weight; one no document had at the last refresh counts as the rarest. */
  private idfOf(g: string): number {
    return this.idf.get(g) ?? this.maxIdf;
  }

  private norm(tf: Map<string, number>): number {
    let sum = 0;
    for (const [g, c] of tf) sum += (c * this.idfOf(g)) ** 2;
    return Math.sqrt(sum) || 1;
  }

  /** Computes the weights now (after a bulk load), rather than in the first search. */
  refresh(): void {
    if (!this.dirty) return;
    const n = this.docs.size;
    this.idf = new Map();
    for (const [g, p] of this.postings) this.idf.set(g, Math.log((n + 1) / (p.size + 1)) + 1);
    this.maxIdf = Math.log(n + 1) + 1;
    for (const d of this.docs.values()) d.norm = this.norm(d.tf);
    this.sizeAtRefresh = n;
    this.dirty = false;
  }

  /** Documents by cosine similarity to `query`, best first, those `accept` lets through, at most `limit`. */
  search(
    query: string,
    limit: number,
    accept: (id: string) => boolean = () => true,
  ): { id: string; score: number }[] {
    this.refresh();
    const q = grams(query);
    const dots = new Map<string, number>();
    let qNorm = 0;
    for (const [g, c] of q) {
      const p = this.postings.get(g);
      if (!p) continue;
      const idf = this.idfOf(g);
      const w = sublinear(c) * idf;
      qNorm += w * w;
      for (const [id, dc] of p) dots.set(id, (dots.get(id) ?? 0) + w * dc * idf);
    }
    if (qNorm === 0) return [];
    qNorm = Math.sqrt(qNorm);
    const out: { id: string; score: number }[] = [];
    for (const [id, dot] of dots) {
      if (!accept(id)) continue;
      out.push({ id, score: dot / (qNorm * this.docs.get(id)!.norm) });
    }
    out.sort((a, b) => b.score - a.score);
    return out.slice(0, limit);
  }
}

import type { KbArticle, KbAudience, KbLanguage } from '../../shared/kb';
import type { KbIndex } from '../kb/kb-index';
import type { KbService } from '../kb/kb-service';
import { expandQuery } from './expand';
import { fuse } from './fuse';
import { NgramIndex } from './ngram';

/** Which articles a caller may be suggested: published ones of these audiences and departments. */
export interface ArticleScope {
  /** Agents: internal and public; visitors (the web-chat bot): public only. */
  audiences: readonly KbAudience[];
  /** Department ids (all-department articles always count); undefined: every department. */
  departments?: readonly string[];
  /** The contact's language; when no article in it matches, the other language is searched. */
  language?: KbLanguage;
}

export interface RankedArticle {
  article: KbArticle;
  /** Fused (RRF) score, 0..1. */
  score: number;
  /** The BM25+ score of the knowledge-base index (0 when only the n-gram signal found it). */
  bm25: number;
  /** Character n-gram tf-idf cosine, 0..1. */
  cosine: number;
}

/** Each list is cut here before fusion: deeper ranks add noise, not recall. */
const DEPTH = 20;

/** The n-gram vectors of one knowledge-base index's articles, kept in step with it (by article version). */
class ArticleVectors {
  readonly ngram = new NgramIndex();
  private readonly versions = new Map<string, number>();

  sync(index: KbIndex): void {
    for (const a of index.all()) {
      if (this.versions.get(a.id) === a.version) continue;
      this.versions.set(a.id, a.version);
      if (a.state !== 'published') this.ngram.remove(a.id);
      else this.ngram.put(a.id, `${a.title}\n${a.title}\n${a.tags.join(' ')}\n${a.body}`);
    }
  }
}

/** One set of vectors per knowledge-base index (one per node), shared by the desk's suggestions and the bot. */
const vectors = new WeakMap<KbIndex, ArticleVectors>();

function vectorsOf(index: KbIndex): ArticleVectors {
  let v = vectors.get(index);
  if (!v) vectors.set(index, (v = new ArticleVectors()));
  v.sync(index);
  return v;
}

/**
 * Hybrid article retrieval: the knowledge base's BM25+ ranking (jieba words, stemmed English) and the character
 * n-gram cosine ranking, fused by reciprocal rank. Only published articles in `scope`. `rateKey` (a visitor):
 * the lexical search goes through the public search and its per-visitor rate limit (too_many_attempts past it).
 */
export async function rankArticles(
  kb: KbService,
  query: string,
  scope: ArticleScope,
  opts: { limit?: number; rateKey?: string } = {},
): Promise<RankedArticle[]> {
  const limit = opts.limit ?? 5;
  query = expandQuery(query);
  const first = await rankIn(kb, query, scope, scope.language, opts.rateKey);
  const ranked =
    first.length > 0 || scope.language === undefined
      ? first
      : await rankIn(kb, query, scope, scope.language === 'en' ? 'zh-CN' : 'en', undefined);
  return ranked.slice(0, limit);
}

async function rankIn(
  kb: KbService,
  query: string,
  scope: ArticleScope,
  language: KbLanguage | undefined,
  rateKey: string | undefined,
): Promise<RankedArticle[]> {
  const visible = (a: KbArticle | undefined): a is KbArticle =>
    a !== undefined &&
    a.state === 'published' &&
    scope.audiences.includes(a.audience) &&
    (language === undefined || a.language === language) &&
    (!scope.departments || a.departmentId === null || scope.departments.includes(a.departmentId));
  let lexical: { id: string; score: number }[];
  if (rateKey !== undefined && language !== undefined) {
    // The public search: published public articles, and the visitor's rate limit.
    lexical = (await kb.searchPublicArticles(query, language, { rateKey, limit: 10 })).filter((h) =>
      visible(kb.index.get(h.id)),
    );
  } else {
    await kb.index.fresh();
    lexical = kb.index.search(
      query,
      { states: ['published'], audiences: scope.audiences, departments: scope.departments, language },
      DEPTH,
    ).hits;
  }
  const dense = vectorsOf(kb.index).ngram.search(query, DEPTH, (id) => visible(kb.index.get(id)));
  const bm25 = new Map(lexical.map((h) => [h.id, h.score]));
  const cosine = new Map(dense.map((h) => [h.id, h.score]));
  return fuse([lexical.map((h) => h.id), dense.map((h) => h.id)]).map(({ id, score }) => ({
    article: kb.index.get(id)!,
    score,
    bm25: bm25.get(id) ?? 0,
    cosine: cosine.get(id) ?? 0,
  }));
}

import { z } from 'zod';
import { Id, Instant } from '../domain/ids';

/**
 * The knowledge base (issue 13, part 1): articles kept by the central service, searched by the desktop, the
 * web-chat bot and the public search. Bodies are plain text (a "markdown-lite" of paragraphs, numbered steps and
 * "- " bullets) and are always shown as text, never as HTML, on every side.
 */
export const KB_LANGUAGES = ['zh-CN', 'en'] as const;
export const KbLanguage = z.enum(KB_LANGUAGES);
export type KbLanguage = z.infer<typeof KbLanguage>;

/** public: may be shown to customers (widget, public search); internal: agents only. */
export const KbAudience = z.enum(['public', 'internal']);
export type KbAudience = z.infer<typeof KbAudience>;

/** The review states: only `published` articles reach agents and (when public) customers. */
export const KbState = z.enum(['draft', 'in_review', 'published', 'archived']);
export type KbState = z.infer<typeof KbState>;

export const KB_TITLE_MAX = 200;
export const KB_BODY_MAX = 20_000;
export const KB_TAG_MAX = 40;
export const KB_TAGS_MAX = 12;

const text = (max: number, what: string) =>
  z
    .string()
    .trim()
    .min(1, `The ${what} is empty: write one.`)
    .max(max, `The ${what} is longer than ${max} characters: shorten it.`);

export const KbTags = z
  .array(text(KB_TAG_MAX, 'tag'))
  .max(KB_TAGS_MAX, `At most ${KB_TAGS_MAX} tags: remove some.`)
  .refine(
    (t) => new Set(t.map((x) => x.toLowerCase())).size === t.length,
    'A tag is listed twice: keep it once.',
  );

export const KbCategory = z.object({
  id: Id,
  /** null: shared by every department. */
  departmentId: Id.nullable(),
  nameZh: z.string(),
  nameEn: z.string(),
});
export type KbCategory = z.infer<typeof KbCategory>;

export const KB_CATEGORY_NAME_MAX = 60;

/** A category's names, both required: the editor and the lists show the one in the reader's language. */
export const KbCategoryNames = z.object({
  nameZh: text(KB_CATEGORY_NAME_MAX, 'Chinese name'),
  nameEn: text(KB_CATEGORY_NAME_MAX, 'English name'),
});
export type KbCategoryNames = z.input<typeof KbCategoryNames>;

/** A new category: supervisors make their department's, administrators any (null: every department's). */
export const KbCategoryInput = KbCategoryNames.extend({ departmentId: Id.nullable().default(null) });
export type KbCategoryInput = z.input<typeof KbCategoryInput>;

export const KbArticle = z.object({
  id: Id,
  /** null: for every department. */
  departmentId: Id.nullable(),
  categoryId: Id.nullable(),
  audience: KbAudience,
  state: KbState,
  language: KbLanguage,
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  authorId: Id.nullable(),
  authorName: z.string(),
  updatedAt: Instant,
  /** Grows with every change (across all service nodes): an edit names the version it started from. */
  version: z.number().int().nonnegative(),
});
export type KbArticle = z.infer<typeof KbArticle>;

/** What a supervisor or admin writes; state changes go through their own actions. */
export const KbArticleInput = z.object({
  departmentId: Id.nullable(),
  categoryId: Id.nullable(),
  audience: KbAudience,
  language: KbLanguage,
  title: text(KB_TITLE_MAX, 'title'),
  body: text(KB_BODY_MAX, 'body'),
  tags: KbTags.default([]),
});
export type KbArticleInput = z.input<typeof KbArticleInput>;

/** An edit: the whole article as it should be, and the version it was read at (a later change is a conflict). */
export const KbArticleEdit = KbArticleInput.extend({ baseVersion: z.number().int().nonnegative() });
export type KbArticleEdit = z.input<typeof KbArticleEdit>;

export const KbAction = z.enum(['submit', 'publish', 'archive', 'restore']);
export type KbAction = z.infer<typeof KbAction>;

/** Which states each action starts from, and where it leads (the server and the editor's buttons use it). */
export const KB_TRANSITIONS: Record<KbAction, { from: readonly KbState[]; to: KbState }> = {
  submit: { from: ['draft'], to: 'in_review' },
  publish: { from: ['draft', 'in_review'], to: 'published' },
  archive: { from: ['draft', 'in_review', 'published'], to: 'archived' },
  restore: { from: ['archived'], to: 'draft' },
};

export const KbActionRequest = z.object({ baseVersion: z.number().int().nonnegative() });

export const KB_QUERY_MAX = 300;

export const KbSearchRequest = z.object({
  q: z.string().trim().max(KB_QUERY_MAX, `The search is longer than ${KB_QUERY_MAX} characters.`).default(''),
  /** Only articles in this language; absent: both. */
  lang: KbLanguage.optional(),
  categoryId: Id.optional(),
  /** Editors only: articles in these states (default published); agents always get published only. */
  states: z
    .preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(KbState))
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type KbSearchRequest = z.input<typeof KbSearchRequest>;
export type KbSearchQuery = z.infer<typeof KbSearchRequest>;

/** One hit: the article without its body, a short excerpt of it, and its BM25 score (higher is better). */
export const KbHit = KbArticle.omit({ body: true }).extend({
  excerpt: z.string(),
  score: z.number(),
});
export type KbHit = z.infer<typeof KbHit>;

export const KbSearchResponse = z.object({
  hits: z.array(KbHit),
  /** How many articles matched before the limit. */
  total: z.number().int().nonnegative(),
});
export type KbSearchResponse = z.infer<typeof KbSearchResponse>;

/** The public search (web-chat bot, GET /api/public/kb/search): published public articles only. */
export const KbPublicSearchRequest = z.object({
  q: z.string().trim().min(1, 'Type what to search for.').max(KB_QUERY_MAX),
  lang: KbLanguage.default('zh-CN'),
  limit: z.coerce.number().int().min(1).max(10).default(5),
});
export const KbPublicHit = z.object({
  id: Id,
  title: z.string(),
  body: z.string(),
  language: KbLanguage,
  score: z.number(),
});
export type KbPublicHit = z.infer<typeof KbPublicHit>;
export const KbPublicSearchResponse = z.object({ hits: z.array(KbPublicHit) });
export type KbPublicSearchResponse = z.infer<typeof KbPublicSearchResponse>;

export const KB_REST = {
  search: '/api/kb/search',
  categories: '/api/kb/categories',
  category: (id: string) => `/api/kb/categories/${id}`,
  categoryDelete: (id: string) => `/api/kb/categories/${id}/delete`,
  articles: '/api/kb/articles',
  article: (id: string) => `/api/kb/articles/${id}`,
  action: (id: string, action: KbAction | ':action') => `/api/kb/articles/${id}/${action}`,
  publicSearch: '/api/public/kb/search',
} as const;

/** Who may write articles: supervisors (their department's) and administrators (any, and all-department ones). */
export function mayEditKb(user: { role: string }): boolean {
  return user.role === 'supervisor' || user.role === 'admin';
}

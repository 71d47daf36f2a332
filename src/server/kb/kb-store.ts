import { sql, type Selectable } from 'kysely';
import type { KbArticle, KbCategory } from '../../shared/kb';
import { dialectOf } from '../db/open';
import type { Database, Tx } from '../db/schema';

export type ArticleRow = Selectable<Database['knowledge_articles']>;

export function toArticle(r: ArticleRow): KbArticle {
  let tags: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.tags);
    if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // A damaged tag list reads as none rather than hiding the article.
  }
  return {
    id: r.id,
    departmentId: r.department_id,
    categoryId: r.category_id,
    audience: r.audience,
    state: r.state,
    language: r.language,
    title: r.title,
    body: r.body,
    tags,
    authorId: r.author_id,
    authorName: r.author_name,
    updatedAt: r.updated_at,
    version: Number(r.version),
  };
}

export function toRow(a: KbArticle): ArticleRow {
  return {
    id: a.id,
    department_id: a.departmentId,
    category_id: a.categoryId,
    audience: a.audience,
    state: a.state,
    language: a.language,
    title: a.title,
    body: a.body,
    tags: JSON.stringify(a.tags),
    author_id: a.authorId,
    author_name: a.authorName,
    updated_at: a.updatedAt,
    version: a.version,
  };
}

export async function getArticle(trx: Tx, id: string): Promise<KbArticle | undefined> {
  const r = await trx.selectFrom('knowledge_articles').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toArticle(r);
}

/** The same row, locked until the transaction ends (PostgreSQL; SQLite has one writer), for read-then-write. */
export async function getArticleForChange(trx: Tx, id: string): Promise<KbArticle | undefined> {
  const q = trx.selectFrom('knowledge_articles').selectAll().where('id', '=', id);
  const r = await (dialectOf(trx) === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  return r && toArticle(r);
}

/**
 * The next article version, under the `kb_version` counter row's lock (held until the transaction ends): a
 * second writer waits for this one to commit, so versions become visible in their order and a reader that has
 * seen version v has seen every version below it (what KbIndex's catch-up relies on).
 */
export async function nextKbVersion(trx: Tx): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', 'kb_version')
    .returning('value')
    .executeTakeFirst();
  if (!row)
    throw new Error(
      'The counter "kb_version" is missing from table counters (migration 0021-kb adds it): run the migrations.',
    );
  return Number(row.value);
}

/** Raises kb_version to at least `floor` (articles written with their own versions: the demo seed, an import). */
export async function raiseKbVersion(trx: Tx, floor: number): Promise<void> {
  await trx
    .updateTable('counters')
    .set({ value: floor })
    .where('name', '=', 'kb_version')
    .where('value', '<', floor)
    .execute();
}

export async function insertArticle(trx: Tx, a: KbArticle): Promise<void> {
  await trx.insertInto('knowledge_articles').values(toRow(a)).execute();
}

export async function replaceArticle(trx: Tx, a: KbArticle): Promise<void> {
  const { id, ...rest } = toRow(a);
  await trx.updateTable('knowledge_articles').set(rest).where('id', '=', id).execute();
}

/** The highest article version committed (0 when none): one indexed lookup, made before each search. */
export async function articlesHead(trx: Tx): Promise<number> {
  const r = await trx
    .selectFrom('knowledge_articles')
    .select(sql<number | string | null>`MAX(version)`.as('head'))
    .executeTakeFirst();
  return Number(r?.head ?? 0);
}

/** Articles changed after `version`, oldest change first, at most `limit`. */
export async function articlesAfter(trx: Tx, version: number, limit: number): Promise<KbArticle[]> {
  const rows = await trx
    .selectFrom('knowledge_articles')
    .selectAll()
    .where('version', '>', version)
    .orderBy('version')
    .limit(limit)
    .execute();
  return rows.map((r) => toArticle(r));
}

export async function listCategories(trx: Tx): Promise<KbCategory[]> {
  const rows = await trx.selectFrom('kb_categories').selectAll().orderBy('name_en').execute();
  return rows.map((r) => ({ id: r.id, departmentId: r.department_id, nameZh: r.name_zh, nameEn: r.name_en }));
}

export async function getCategory(trx: Tx, id: string): Promise<KbCategory | undefined> {
  const r = await trx.selectFrom('kb_categories').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { id: r.id, departmentId: r.department_id, nameZh: r.name_zh, nameEn: r.name_en };
}

export async function insertCategory(trx: Tx, c: KbCategory): Promise<void> {
  await trx
    .insertInto('kb_categories')
    .values({ id: c.id, department_id: c.departmentId, name_zh: c.nameZh, name_en: c.nameEn })
    .execute();
}

export async function renameCategory(trx: Tx, c: KbCategory): Promise<void> {
  await trx
    .updateTable('kb_categories')
    .set({ name_zh: c.nameZh, name_en: c.nameEn })
    .where('id', '=', c.id)
    .execute();
}

export async function deleteCategory(trx: Tx, id: string): Promise<void> {
  await trx.deleteFrom('kb_categories').where('id', '=', id).execute();
}

/** Articles filed under the category, in every state (archived ones would lose their category too). */
export async function articlesInCategory(trx: Tx, id: string): Promise<number> {
  const r = await trx
    .selectFrom('knowledge_articles')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('category_id', '=', id)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

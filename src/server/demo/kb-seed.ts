import { v5 as uuidv5 } from 'uuid';
import type { KbArticle } from '../../shared/kb';
import type { Tx } from '../db/schema';
import { raiseKbVersion, toRow } from '../kb/kb-store';
import { SUPERVISORS, type DepartmentCode } from './content';
import { KB_CATEGORIES, KB_TOPICS } from './kb-content';

/** Fixed namespace: the demo's article and category ids are the same on every run (links in tests and docs). */
const KB_NAMESPACE = '6f1b7a52-2f0e-4f7b-9d3c-1c0a4b6e9f10';
const DAY = 86_400_000;

interface Dept {
  id: string;
  code: string;
}
interface Person {
  id: string;
  username: string;
  display_name: string;
}

/**
 * The demo's knowledge base (kb-content.ts): categories, and every topic as a published article in Chinese and
 * in English, written by the department's supervisor (the administrator where it has none), changed at spread
 * times over the last months. Replaces the placeholder articles of build-demo.ts. Versions 1..n, and the
 * kb_version counter raised past them.
 */
export async function seedKbDemo(
  trx: Tx,
  data: { departments: readonly Dept[]; users: readonly Person[]; now: Date },
): Promise<number> {
  const dept = (code: DepartmentCode) => data.departments.find((d) => d.code === code)!.id;
  const admin = data.users.find((u) => u.username === 'admin');
  const authorOf = (code: DepartmentCode) =>
    data.users.find((u) => u.username === SUPERVISORS.find((s) => s.code === code)?.username) ?? admin;
  const categories = KB_CATEGORIES.map((c) => ({
    id: uuidv5(`category:${c.key}`, KB_NAMESPACE),
    department_id: dept(c.code),
    name_zh: c.nameZh,
    name_en: c.nameEn,
  }));
  await trx.insertInto('kb_categories').values(categories).execute();
  const categoryId = (key: string) => uuidv5(`category:${key}`, KB_NAMESPACE);

  const articles: KbArticle[] = [];
  KB_TOPICS.forEach((topic, i) => {
    const author = authorOf(topic.code);
    for (const [language, [title, body]] of [
      ['zh-CN', topic.zh],
      ['en', topic.en],
    ] as const) {
      articles.push({
        id: uuidv5(`article:${language}:${topic.en[0]}`, KB_NAMESPACE),
        departmentId: dept(topic.code),
        categoryId: categoryId(topic.category),
        audience: topic.audience,
        state: 'published',
        language,
        title,
        body,
        tags: topic.tags,
        authorId: author?.id ?? null,
        authorName: author?.display_name ?? '',
        // Spread over the last 120 days, a fixed pattern (no PRNG), so the demo tickets stay as they were.
        updatedAt: new Date(data.now.getTime() - ((i * 37) % 120) * DAY - (i % 9) * 3_600_000).toISOString(),
        version: articles.length + 1,
      });
    }
  });
  for (let i = 0; i < articles.length; i += 100)
    await trx
      .insertInto('knowledge_articles')
      .values(articles.slice(i, i + 100).map(toRow))
      .execute();
  await raiseKbVersion(trx, articles.length);
  return articles.length;
}

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../src/shared';
import { KB_REST, KbArticle, KbArticleEdit, KbArticleInput } from '../../src/shared/kb';
import { openDatabase } from '../../src/server/db/open';
import { expectClearError, preview } from '../fuzz/harness';
import { brokenUtf16, hugeString, malformed } from '../fuzz/hostile';
import { login, postJson, startTestServer, type TestServer } from './helpers';

/**
 * Malformed and oversized input to the knowledge base's routes (a supervisor's writes, searches, the public
 * search that faces the internet): always a clear 4xx, never a server error, and nothing written.
 */
let server: TestServer;
let super01: LoginResponse;
let article: KbArticle;
let template: Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer({ tickets: 10, customers: 5 });
  super01 = await login(server.url, 'super01');
  template = {
    departmentId: super01.user.departmentId,
    categoryId: null,
    audience: 'public',
    language: 'zh-CN',
    title: '退款到账时间',
    body: '审核通过后一至三个工作日原路退回。',
    tags: ['退款'],
  };
  const r = await postJson(`${server.url}${KB_REST.articles}`, template, auth());
  article = KbArticle.parse(r.body);
});
afterAll(async () => server?.stop());

const auth = () => ({ authorization: `Bearer ${super01.accessToken}` });
const RUNS = 60;

/** The highest article version and the row count: any write moves one of them. */
async function state() {
  const db = openDatabase(server.dbPath);
  try {
    const r = await db
      .selectFrom('knowledge_articles')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('version').as('head')])
      .executeTakeFirstOrThrow();
    return `${Number(r.n)}/${Number(r.head)}`;
  } finally {
    await db.destroy();
  }
}

describe('malformed knowledge-base input', () => {
  it('refuses malformed new articles and edits with a clear 400 and writes nothing', async () => {
    const before = await state();
    for (const [path, schema, tpl] of [
      [KB_REST.articles, KbArticleInput, template],
      [KB_REST.article(article.id), KbArticleEdit, { ...template, baseVersion: article.version }],
    ] as const) {
      await fc.assert(
        fc.asyncProperty(malformed(tpl, schema), async (body) => {
          const r = await postJson(`${server.url}${path}`, JSON.stringify(body ?? null), auth());
          expect(r.status, preview(body)).toBe(400);
          expectClearError(r.body, path);
        }),
        { numRuns: RUNS },
      );
    }
    // Too long a title, a body over the limit, a tag listed twice: refused by name.
    for (const bad of [
      { title: 'x'.repeat(201) },
      { body: '正'.repeat(20_001) },
      { tags: ['退款', '退款'] },
      { language: 'fr' },
      { audience: 'everyone' },
    ]) {
      const r = await postJson(`${server.url}${KB_REST.articles}`, { ...template, ...bad }, auth());
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(expectClearError(r.body, 'article').issues?.length).toBeGreaterThan(0);
    }
    expect(await state()).toBe(before);
  });

  it('answers hostile search queries, signed in or public, with results or a clear 4xx, never a 5xx', async () => {
    // Already in the query string's form: text percent-encoded byte by byte (lone surrogates become U+FFFD, as
    // a browser sends them), or raw escapes that do not decode.
    const bytes = (t: string) =>
      [...Buffer.from(t)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const query = fc.oneof(
      fc.string({ maxLength: 400 }).map(bytes),
      brokenUtf16.map(bytes),
      // Over the 300-character limit, under the 16 KB of headers Node reads at all.
      hugeString.map((t) => bytes(t.slice(0, 1000))),
      fc.constantFrom('<script>alert(1)</script>', '退款'.repeat(200), '\u0000').map(bytes),
      fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%C0%AF', '%FF%FE'),
    );
    const extra = fc.constantFrom(
      '',
      '&lang=xx',
      '&limit=-1',
      '&limit=abc',
      '&states=draft,bogus',
      '&categoryId=1',
    );
    await fc.assert(
      fc.asyncProperty(query, extra, fc.boolean(), async (q, more, pub) => {
        // The public search is rate-limited per address: move the server's clock past each window.
        server.clock.now = new Date(server.clock.now.getTime() + 11_000);
        const path = pub ? KB_REST.publicSearch : KB_REST.search;
        const res = await fetch(`${server.url}${path}?q=${q}${more}`, {
          headers: pub ? {} : auth(),
        });
        const body: unknown = await res.json();
        expect(res.status, `${path} ${preview(q)}${more}`).toBeLessThan(500);
        if (res.status !== 200) expectClearError(body, path);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

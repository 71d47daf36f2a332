import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../src/shared';
import {
  KB_REST,
  KbArticle,
  KbPublicSearchResponse,
  KbSearchResponse,
  type KbArticleInput,
} from '../../src/shared/kb';
import { openDatabase } from '../../src/server/db/open';
import { tokenize } from '../../src/server/kb/tokenize';
import { untilChained } from './audit-wait';
import { login, postJson, startSecondNode, startTestServer, type TestServer } from './helpers';

/**
 * The knowledge base through its REST API on a real server over the demo data: search quality (Chinese
 * segmentation, English stemming, title over body), who sees and writes what, the public search, the audit
 * trail and a second node catching up with changes made on the first.
 */
let server: TestServer;
let admin: LoginResponse;
let super01: LoginResponse; // after-sales supervisor
let agent01: LoginResponse; // after-sales agent
let agent09: LoginResponse; // billing agent
let departments: { code: string; id: string }[];

beforeAll(async () => {
  server = await startTestServer({ tickets: 20, customers: 10 });
  admin = await login(server.url, 'admin');
  super01 = await login(server.url, 'super01');
  agent01 = await login(server.url, 'agent01');
  agent09 = await login(server.url, 'agent09');
  const db = openDatabase(server.dbPath);
  departments = await db.selectFrom('departments').select(['code', 'id']).execute();
  await db.destroy();
});
afterAll(async () => server?.stop());

const dept = (code: string) => departments.find((d) => d.code === code)!.id;
const auth = (s: LoginResponse) => ({ authorization: `Bearer ${s.accessToken}` });

async function get(base: string, path: string, s?: LoginResponse) {
  const res = await fetch(`${base}${path}`, { headers: s ? auth(s) : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}
async function search(s: LoginResponse, q: string, extra = '', base = server.url) {
  const r = await get(base, `${KB_REST.search}?q=${encodeURIComponent(q)}${extra}`, s);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return KbSearchResponse.parse(r.body);
}
async function publicSearch(q: string, lang: 'zh-CN' | 'en') {
  const r = await get(server.url, `${KB_REST.publicSearch}?q=${encodeURIComponent(q)}&lang=${lang}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return KbPublicSearchResponse.parse(r.body).hits;
}
async function create(s: LoginResponse, a: Partial<KbArticleInput>, base = server.url) {
  const r = await postJson(
    `${base}${KB_REST.articles}`,
    {
      departmentId: dept('aftersales'),
      categoryId: null,
      audience: 'internal',
      language: 'en',
      tags: [],
      title: 'Untitled',
      body: 'Nothing yet.',
      ...a,
    },
    auth(s),
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return KbArticle.parse(r.body);
}
async function act(s: LoginResponse, a: KbArticle, action: string, base = server.url) {
  const r = await postJson(
    `${base}${KB_REST.action(a.id, action as 'publish')}`,
    { baseVersion: a.version },
    auth(s),
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return KbArticle.parse(r.body);
}

describe('demo articles', () => {
  it('has at least 60 published articles per language, in every demo department', async () => {
    const db = openDatabase(server.dbPath);
    const rows = await db
      .selectFrom('knowledge_articles')
      .select(['language', 'department_id', 'state', 'body'])
      .execute();
    await db.destroy();
    for (const language of ['zh-CN', 'en'] as const) {
      const mine = rows.filter((r) => r.language === language && r.state === 'published');
      expect(mine.length).toBeGreaterThanOrEqual(60);
      expect(new Set(mine.map((r) => r.department_id)).size).toBe(3);
      // Several sentences with steps, not a placeholder.
      expect(mine.every((r) => /\n1\. /.test(r.body) && r.body.length > 80)).toBe(true);
    }
  });
});

describe('search quality', () => {
  it('segments Chinese: 退款 is found in 退款到账时间', async () => {
    expect(tokenize('退款到账时间')).toContain('退款');
    const a = await act(
      super01,
      await create(super01, {
        language: 'zh-CN',
        title: '退款到账时间',
        body: '审核通过后一至三个工作日原路退回。',
      }),
      'publish',
    );
    const { hits } = await search(agent01, '退款', '&lang=zh-CN');
    expect(hits.map((h) => h.id)).toContain(a.id);
    expect(hits[0]!.score).toBeGreaterThan(0);
  });

  it('stems English: refunded finds an article about refunds', async () => {
    expect(tokenize('refunds refunded refunding')).toEqual(['refund', 'refund', 'refund']);
    const a = await act(
      super01,
      await create(super01, {
        title: 'Getting money back for quokkas',
        body: 'Refunds for quokka plushies go back to the card they were paid with.',
      }),
      'publish',
    );
    const { hits } = await search(agent01, 'quokka refunded');
    expect(hits[0]?.id).toBe(a.id);
  });

  it('ranks an article with the word in its title above one with it only in the body', async () => {
    const inBody = await act(
      super01,
      await create(super01, { title: 'Device reset guide', body: 'Steps for the zephyrine unit and more.' }),
      'publish',
    );
    const inTitle = await act(
      super01,
      await create(super01, { title: 'Zephyrine reset guide', body: 'Steps for the device unit and more.' }),
      'publish',
    );
    const { hits } = await search(agent01, 'zephyrine');
    expect(hits.map((h) => h.id)).toEqual([inTitle.id, inBody.id]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('finds hyphenated words written either way: wifi finds Wi-Fi', async () => {
    expect(tokenize('Wi-Fi')).toContain('wifi');
    const { hits } = await search(admin, 'wifi', '&lang=en'); // a technical-support article
    expect(hits.map((h) => h.title)).toContain('Choosing a Wi-Fi channel');
  });

  it("finds the topical article from a whole ticket's subject and description, as suggestions search", async () => {
    const { hits } = await search(
      agent01,
      '退款申请未到账（订单 78372680） 申请退款已经七天，银行卡仍未收到退款。',
      '&lang=zh-CN&limit=3',
    );
    expect(hits.map((h) => h.title)).toContain('退款流程与到账时间');
  });

  it('answers a mixed Chinese and English query from the demo articles of both languages', async () => {
    const { hits } = await search(agent01, '退款 refund');
    const languages = new Set(hits.map((h) => h.language));
    expect(languages).toEqual(new Set(['zh-CN', 'en']));
  });
});

describe('public search', () => {
  it('never returns drafts, articles in review, internal or archived articles', async () => {
    const draft = await create(super01, {
      audience: 'public',
      title: 'Wombatfix draft',
      body: 'Wombatfix steps.',
    });
    expect(await publicSearch('wombatfix', 'en')).toEqual([]);
    const reviewed = await act(super01, draft, 'submit');
    expect(await publicSearch('wombatfix', 'en')).toEqual([]);
    const internal = await act(
      super01,
      await create(super01, { audience: 'internal', title: 'Wombatfix internal', body: 'Wombatfix notes.' }),
      'publish',
    );
    // Agents see the internal one; customers do not.
    expect((await search(agent01, 'wombatfix')).hits.map((h) => h.id)).toEqual([internal.id]);
    expect(await publicSearch('wombatfix', 'en')).toEqual([]);
    const published = await act(super01, reviewed, 'publish');
    expect((await publicSearch('wombatfix', 'en')).map((h) => h.id)).toEqual([published.id]);
    await act(super01, published, 'archive');
    expect(await publicSearch('wombatfix', 'en')).toEqual([]);
  });

  it('answers a widget on any customer site: public articles, readable across origins', async () => {
    const res = await fetch(`${server.url}${KB_REST.publicSearch}?q=refund&lang=en`, {
      headers: { origin: 'https://shop.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(KbPublicSearchResponse.parse(await res.json()).hits.length).toBeGreaterThan(0);
    // Only the public search: the agents' search stays same-origin.
    const agents = await fetch(`${server.url}${KB_REST.search}?q=refund`, {
      headers: { origin: 'https://shop.example', ...auth(agent01) },
    });
    expect(agents.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is exported for the web-chat bot with the same rule', async () => {
    const hits = await server.kb.searchPublicArticles('退款', 'zh-CN');
    expect(hits.length).toBeGreaterThan(0);
    const db = openDatabase(server.dbPath);
    const rows = await db
      .selectFrom('knowledge_articles')
      .select(['id', 'audience', 'state'])
      .where(
        'id',
        'in',
        hits.map((h) => h.id),
      )
      .execute();
    await db.destroy();
    expect(rows.every((r) => r.audience === 'public' && r.state === 'published')).toBe(true);
  });

  it('limits searches per client address with a 429 that says when to retry', async () => {
    let refused: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await get(server.url, `${KB_REST.publicSearch}?q=refund&lang=en`);
      if (r.status === 429) refused = r;
    }
    expect(refused?.body).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    // The window passes (the server's clock): searches are answered again.
    server.clock.now = new Date(server.clock.now.getTime() + 11_000);
    expect((await get(server.url, `${KB_REST.publicSearch}?q=refund&lang=en`)).status).toBe(200);
  });
});

describe('who reads and writes what', () => {
  it('refuses every change by an agent', async () => {
    const a = await create(super01, { title: 'Agent-proof article', body: 'Only supervisors edit this.' });
    const created = await postJson(
      `${server.url}${KB_REST.articles}`,
      {
        departmentId: dept('aftersales'),
        categoryId: null,
        audience: 'public',
        language: 'en',
        title: 'x',
        body: 'y',
      },
      auth(agent01),
    );
    expect(created.status).toBe(403);
    const edited = await postJson(
      `${server.url}${KB_REST.article(a.id)}`,
      {
        departmentId: dept('aftersales'),
        categoryId: null,
        audience: 'public',
        language: 'en',
        title: 'x',
        body: 'y',
        baseVersion: a.version,
      },
      auth(agent01),
    );
    expect(edited.status).toBe(403);
    for (const action of ['submit', 'publish', 'archive'] as const) {
      const r = await postJson(
        `${server.url}${KB_REST.action(a.id, action)}`,
        { baseVersion: a.version },
        auth(agent01),
      );
      expect(r.status).toBe(403);
    }
    const db = openDatabase(server.dbPath);
    const row = await db
      .selectFrom('knowledge_articles')
      .selectAll()
      .where('id', '=', a.id)
      .executeTakeFirstOrThrow();
    await db.destroy();
    expect(row).toMatchObject({ title: 'Agent-proof article', state: 'draft', version: a.version });
  });

  it("keeps supervisors to their own department's articles", async () => {
    const r = await postJson(
      `${server.url}${KB_REST.articles}`,
      {
        departmentId: dept('billing'),
        categoryId: null,
        audience: 'public',
        language: 'en',
        title: 'x',
        body: 'y',
      },
      auth(super01),
    );
    expect(r.status).toBe(403);
    const all = await postJson(
      `${server.url}${KB_REST.articles}`,
      { departmentId: null, categoryId: null, audience: 'public', language: 'en', title: 'x', body: 'y' },
      auth(super01),
    );
    expect(all.status).toBe(403);
  });

  it('shows agents published articles of their department and all departments only', async () => {
    const draft = await create(super01, { title: 'Narwhalogy draft', body: 'Narwhalogy.' });
    const own = await act(
      super01,
      await create(super01, { title: 'Narwhalogy after-sales', body: 'Narwhalogy.' }),
      'publish',
    );
    const everyone = await act(
      admin,
      await create(admin, { departmentId: null, title: 'Narwhalogy for all', body: 'Narwhalogy.' }),
      'publish',
    );
    const forAgent01 = (await search(agent01, 'narwhalogy')).hits.map((h) => h.id).sort();
    expect(forAgent01).toEqual([own.id, everyone.id].sort());
    // Asking for drafts changes nothing for an agent: published articles only.
    expect((await search(agent01, 'narwhalogy', '&states=draft')).hits.map((h) => h.id)).not.toContain(
      draft.id,
    );
    expect((await search(agent09, 'narwhalogy')).hits.map((h) => h.id)).toEqual([everyone.id]);
    expect((await get(server.url, KB_REST.article(draft.id), agent01)).status).toBe(404);
    expect((await get(server.url, KB_REST.article(own.id), agent09)).status).toBe(404);
    expect((await get(server.url, KB_REST.article(own.id), agent01)).status).toBe(200);
    // The supervisor sees their drafts when asking for them.
    expect((await search(super01, 'narwhalogy', '&states=draft')).hits.map((h) => h.id)).toEqual([draft.id]);
  });

  it('refuses an edit made on an older version with a conflict', async () => {
    const a = await create(super01, { title: 'Versioned', body: 'One.' });
    const edit = {
      departmentId: a.departmentId,
      categoryId: null,
      audience: a.audience,
      language: a.language,
      title: 'Versioned',
      body: 'Two.',
      baseVersion: a.version,
    };
    expect((await postJson(`${server.url}${KB_REST.article(a.id)}`, edit, auth(super01))).status).toBe(200);
    const again = await postJson(
      `${server.url}${KB_REST.article(a.id)}`,
      { ...edit, body: 'Three.' },
      auth(super01),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
  });
});

describe('audit', () => {
  it('records every change with its actor and what changed', async () => {
    const a = await create(super01, { title: 'Audited article', body: 'First text.' });
    const edited = KbArticle.parse(
      (
        await postJson(
          `${server.url}${KB_REST.article(a.id)}`,
          {
            departmentId: a.departmentId,
            categoryId: null,
            audience: 'public',
            language: 'en',
            title: 'Audited article v2',
            body: 'Second text.',
            tags: ['audit'],
            baseVersion: a.version,
          },
          auth(super01),
        )
      ).body,
    );
    const submitted = await act(super01, edited, 'submit');
    const published = await act(super01, submitted, 'publish');
    await act(super01, published, 'archive');
    const db = openDatabase(server.dbPath);
    await untilChained(db);
    const rows = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'detail'])
      .where('subject_id', '=', a.id)
      .orderBy('seq')
      .execute();
    await db.destroy();
    expect(rows.map((r) => r.action)).toEqual([
      'kb.article.create',
      'kb.article.update',
      'kb.article.submit',
      'kb.article.publish',
      'kb.article.archive',
    ]);
    expect(new Set(rows.map((r) => r.actor_id))).toEqual(new Set([super01.user.id]));
    const update = JSON.parse(rows[1]!.detail) as {
      before: Record<string, unknown>;
      after: Record<string, unknown>;
    };
    expect(update.before).toMatchObject({ title: 'Audited article', audience: 'internal' });
    expect(update.after).toMatchObject({ title: 'Audited article v2', audience: 'public', tags: ['audit'] });
    expect(JSON.parse(rows[3]!.detail)).toMatchObject({
      before: { state: 'in_review' },
      after: { state: 'published' },
    });
  });
});

describe('several service nodes on one database', () => {
  it('finds on one node what another node created and changed, once it is there', async () => {
    const second = await startSecondNode(server);
    try {
      // The second node has built its index before the change is made.
      expect((await search(agent01, 'ocelotine', '', second.url)).hits).toEqual([]);
      const a = await act(
        super01,
        await create(super01, { title: 'Ocelotine pairing', body: 'Pair it.' }),
        'publish',
      );
      expect((await search(agent01, 'ocelotine', '', second.url)).hits.map((h) => h.id)).toEqual([a.id]);
      // An edit on the first node: the second node answers with the new text, not the old.
      const r = await postJson(
        `${server.url}${KB_REST.article(a.id)}`,
        {
          departmentId: a.departmentId,
          categoryId: null,
          audience: 'internal',
          language: 'en',
          title: 'Margay pairing',
          body: 'Pair it.',
          baseVersion: a.version,
        },
        auth(super01),
      );
      expect(r.status).toBe(200);
      expect((await search(agent01, 'ocelotine', '', second.url)).hits).toEqual([]);
      expect((await search(agent01, 'margay', '', second.url)).hits.map((h) => h.title)).toEqual([
        'Margay pairing',
      ]);
    } finally {
      await second.close();
    }
  });
});

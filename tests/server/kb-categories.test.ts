import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../src/shared';
import { KB_REST, KbArticle, KbCategory } from '../../src/shared/kb';
import { openDatabase } from '../../src/server/db/open';
import { untilChained } from './audit-wait';
import { login, postJson, startTestServer, type TestServer } from './helpers';

/**
 * Knowledge-base categories (issue 13, part 1): supervisors make, rename and delete their department's,
 * administrators any; agents none. A category still in use is not deleted, and every change is audited and
 * moves the knowledge-base version.
 */
let server: TestServer;
let admin: LoginResponse;
let super01: LoginResponse;
let super02: LoginResponse;
let agent01: LoginResponse;

beforeAll(async () => {
  server = await startTestServer({ tickets: 5, customers: 5 });
  admin = await login(server.url, 'admin');
  super01 = await login(server.url, 'super01');
  super02 = await login(server.url, 'super02');
  agent01 = await login(server.url, 'agent01');
});
afterAll(async () => server?.stop());

const auth = (u: LoginResponse) => ({ authorization: `Bearer ${u.accessToken}` });
const post = (u: LoginResponse, path: string, body: unknown) =>
  postJson(`${server.url}${path}`, body, auth(u));

async function list(u: LoginResponse): Promise<KbCategory[]> {
  const r = await fetch(`${server.url}${KB_REST.categories}`, { headers: auth(u) });
  return KbCategory.array().parse(await r.json());
}

async function kbVersion(): Promise<number> {
  const db = openDatabase(server.dbPath);
  try {
    const r = await db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', 'kb_version')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  } finally {
    await db.destroy();
  }
}

describe('knowledge-base categories', () => {
  it('lets a supervisor create, rename and delete a category of their department, seen by everyone', async () => {
    const v0 = await kbVersion();
    const made = await post(super01, KB_REST.categories, {
      nameZh: '发票',
      nameEn: 'Invoices',
      departmentId: super01.user.departmentId,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const c = KbCategory.parse(made.body);
    expect(c).toMatchObject({ nameZh: '发票', nameEn: 'Invoices', departmentId: super01.user.departmentId });
    expect(await kbVersion()).toBeGreaterThan(v0);
    expect((await list(agent01)).map((x) => x.id)).toContain(c.id);

    const v1 = await kbVersion();
    const renamed = await post(super01, KB_REST.category(c.id), {
      nameZh: '发票与收据',
      nameEn: 'Invoices and receipts',
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect((await list(agent01)).find((x) => x.id === c.id)).toMatchObject({
      nameZh: '发票与收据',
      nameEn: 'Invoices and receipts',
    });
    expect(await kbVersion()).toBeGreaterThan(v1);

    const gone = await post(super01, KB_REST.categoryDelete(c.id), {});
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect((await list(agent01)).map((x) => x.id)).not.toContain(c.id);
  });

  it('keeps supervisors to their department and shared categories to administrators', async () => {
    const other = await post(super02, KB_REST.categories, {
      nameZh: '物流',
      nameEn: 'Shipping (dept 2)',
      departmentId: super02.user.departmentId,
    });
    expect(other.status).toBe(201);
    const c = KbCategory.parse(other.body);
    for (const [path, body] of [
      [KB_REST.category(c.id), { nameZh: '改名', nameEn: 'Renamed' }],
      [KB_REST.categoryDelete(c.id), {}],
    ] as const) {
      const r = await post(super01, path, body);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'forbidden' });
    }
    const shared = await post(super01, KB_REST.categories, {
      nameZh: '共享',
      nameEn: 'Shared',
      departmentId: null,
    });
    expect(shared.body).toMatchObject({ code: 'forbidden' });
    const foreign = await post(super01, KB_REST.categories, {
      nameZh: '别人',
      nameEn: 'Someone else',
      departmentId: super02.user.departmentId,
    });
    expect(foreign.body).toMatchObject({ code: 'forbidden' });

    // An administrator may do all of it.
    const byAdmin = await post(admin, KB_REST.categories, {
      nameZh: '共享',
      nameEn: 'Shared',
      departmentId: null,
    });
    expect(byAdmin.status).toBe(201);
    expect((await post(admin, KB_REST.category(c.id), { nameZh: '快递', nameEn: 'Couriers' })).status).toBe(
      200,
    );
    expect((await post(admin, KB_REST.categoryDelete(c.id), {})).status).toBe(200);
    expect((await list(admin)).find((x) => x.id === c.id)).toBeUndefined();
    expect((await list(admin)).find((x) => x.nameEn === 'Couriers')).toBeUndefined();
  });

  it('refuses agents every change, and writes nothing', async () => {
    const before = await list(admin);
    const v = await kbVersion();
    const some = before[0]!;
    for (const [path, body] of [
      [KB_REST.categories, { nameZh: '坐席', nameEn: 'Agent made', departmentId: agent01.user.departmentId }],
      [KB_REST.category(some.id), { nameZh: '坐席改', nameEn: 'Agent renamed' }],
      [KB_REST.categoryDelete(some.id), {}],
    ] as const) {
      const r = await post(agent01, path, body);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'forbidden' });
    }
    expect(await list(admin)).toEqual(before);
    expect(await kbVersion()).toBe(v);
  });

  it('refuses to delete a category while articles use it, saying how many', async () => {
    const c = KbCategory.parse(
      (
        await post(super01, KB_REST.categories, {
          nameZh: '售后',
          nameEn: 'After-sales',
          departmentId: super01.user.departmentId,
        })
      ).body,
    );
    const articles: KbArticle[] = [];
    for (const title of ['Return window', 'Repair booking']) {
      const r = await post(super01, KB_REST.articles, {
        departmentId: super01.user.departmentId,
        categoryId: c.id,
        audience: 'internal',
        language: 'en',
        title,
        body: 'Text.',
      });
      articles.push(KbArticle.parse(r.body));
    }
    const refused = await post(super01, KB_REST.categoryDelete(c.id), {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict' });
    expect((refused.body as { message: string }).message).toMatch(
      /^2 articles are filed under "After-sales"/,
    );
    // The count as data, for a desktop to say in its own language.
    expect(refused.body).toMatchObject({ issues: [{ path: 'articles', message: '2' }] });
    expect((await list(super01)).map((x) => x.id)).toContain(c.id);

    // Moved out of it, the category may go.
    for (const a of articles) {
      const r = await post(super01, KB_REST.article(a.id), {
        departmentId: a.departmentId,
        categoryId: null,
        audience: a.audience,
        language: a.language,
        title: a.title,
        body: a.body,
        baseVersion: a.version,
      });
      expect(r.status).toBe(200);
    }
    expect((await post(super01, KB_REST.categoryDelete(c.id), {})).status).toBe(200);
  });

  it('refuses a second category of the same name in the same department', async () => {
    const body = { nameZh: '重复', nameEn: 'Twice', departmentId: super01.user.departmentId };
    expect((await post(super01, KB_REST.categories, body)).status).toBe(201);
    const again = await post(super01, KB_REST.categories, { ...body, nameZh: '另一个', nameEn: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
  });

  it('audits every change with its actor and the names before and after', async () => {
    const c = KbCategory.parse(
      (await post(admin, KB_REST.categories, { nameZh: '审计', nameEn: 'Audited', departmentId: null })).body,
    );
    await post(admin, KB_REST.category(c.id), { nameZh: '审计二', nameEn: 'Audited 2' });
    await post(admin, KB_REST.categoryDelete(c.id), {});
    const db = openDatabase(server.dbPath);
    await untilChained(db);
    const rows = await db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'detail'])
      .where('subject_id', '=', c.id)
      .orderBy('seq')
      .execute();
    await db.destroy();
    expect(rows.map((r) => r.action)).toEqual([
      'kb.category.create',
      'kb.category.rename',
      'kb.category.delete',
    ]);
    expect(new Set(rows.map((r) => r.actor_id))).toEqual(new Set([admin.user.id]));
    expect(JSON.parse(rows[1]!.detail)).toMatchObject({
      before: { nameZh: '审计', nameEn: 'Audited' },
      after: { nameZh: '审计二', nameEn: 'Audited 2' },
    });
    expect(JSON.parse(rows[2]!.detail)).toMatchObject({ before: { nameEn: 'Audited 2' }, after: null });
  });
});

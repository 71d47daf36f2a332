import { v7 as uuidv7 } from 'uuid';
import { parseOrThrow, SwitchboardError, type User } from '../../shared';
import {
  KB_TRANSITIONS,
  KbArticleEdit,
  KbArticleInput,
  KbCategoryInput,
  KbCategoryNames,
  mayEditKb,
  type KbAction,
  type KbArticle,
  type KbCategory,
  type KbLanguage,
  type KbPublicHit,
  type KbSearchQuery,
  type KbSearchResponse,
  type KbState,
} from '../../shared/kb';
import { writeAudit } from '../audit/audit-log';
import { getDepartment } from '../directory/directory-store';
import type { Db, Tx } from '../db/schema';
import { KbIndex, type KbFilter } from './kb-index';
import {
  articlesInCategory,
  deleteCategory,
  getArticle,
  getArticleForChange,
  getCategory,
  insertArticle,
  insertCategory,
  listCategories,
  renameCategory,
  nextKbVersion,
  replaceArticle,
} from './kb-store';
import { RateLimiter } from './rate-limit';

export interface KbServiceOptions {
  db: Db;
  now: () => Date;
  /** Public search (widget bot, GET /api/public/kb/search): requests per key per window. Default 30 per 10 s. */
  publicRate?: { limit: number; windowMs: number };
}

const notFound = () =>
  new SwitchboardError('not_found', 'No such article in your department (it may have been removed).');

/** Fields an audit record lists: everything but the body, whose change is noted by its length. */
function auditView(a: KbArticle | undefined) {
  if (!a) return null;
  const { body, ...rest } = a;
  return { ...rest, bodyLength: body.length };
}

/**
 * The knowledge base: who may read and write which articles, every change audited in its own transaction, and
 * search over this node's index (kept fresh against the database before each search, kb-index.ts).
 *
 * Reading: administrators read everything; supervisors every state of their department's articles and the
 * all-department ones; everyone else published articles (internal and public) of their department and all
 * departments. Writing: supervisors their department's articles, administrators any (only they write
 * all-department articles). Out-of-scope articles answer not_found, so ids cannot be probed.
 */
export class KbService {
  readonly index: KbIndex;
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly limiter: RateLimiter;

  constructor(opts: KbServiceOptions) {
    this.db = opts.db;
    this.now = opts.now;
    this.index = new KbIndex(opts.db);
    this.limiter = new RateLimiter(opts.publicRate ?? { limit: 30, windowMs: 10_000 });
  }

  private readable(user: User, a: KbArticle): boolean {
    if (user.role === 'admin' || user.departmentId === null) return true;
    const inDept = a.departmentId === null || a.departmentId === user.departmentId;
    if (!inDept) return false;
    return user.role === 'supervisor' || a.state === 'published';
  }

  /** Before the request is even read: agents learn they may not, not what was wrong with their text. */
  private requireWriter(user: User): void {
    if (!mayEditKb(user))
      throw new SwitchboardError(
        'forbidden',
        'Only supervisors and administrators may write knowledge-base articles. Ask your supervisor to make the change.',
      );
  }

  private requireEditor(user: User, departmentId: string | null): void {
    this.requireWriter(user);
    if (user.role === 'admin') return;
    if (departmentId === null)
      throw new SwitchboardError(
        'forbidden',
        'Only administrators may write articles for all departments: choose your own department.',
      );
    if (departmentId !== user.departmentId)
      throw new SwitchboardError('forbidden', "You may only write your own department's articles.");
  }

  async categories(): Promise<KbCategory[]> {
    return listCategories(this.db);
  }

  /** Categories are written by whoever may write their department's articles (admins: shared ones too). */
  private requireCategoryWriter(user: User): void {
    if (!mayEditKb(user))
      throw new SwitchboardError(
        'forbidden',
        'Only supervisors and administrators may change knowledge-base categories. Ask your supervisor.',
      );
  }

  private requireCategoryEditor(user: User, departmentId: string | null): void {
    this.requireCategoryWriter(user);
    if (user.role === 'admin') return;
    if (departmentId === null)
      throw new SwitchboardError(
        'forbidden',
        'Only administrators may change categories shared by all departments: use one of your department.',
      );
    if (departmentId !== user.departmentId)
      throw new SwitchboardError('forbidden', "You may only change your own department's categories.");
  }

  /** Two categories a reader could confuse (same name in either language, for the same department) are refused. */
  private async checkNames(trx: Tx, c: KbCategory): Promise<void> {
    const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
    const clash = (await listCategories(trx)).find(
      (o) =>
        o.id !== c.id &&
        o.departmentId === c.departmentId &&
        (same(o.nameZh, c.nameZh) || same(o.nameEn, c.nameEn)),
    );
    if (clash)
      throw new SwitchboardError(
        'conflict',
        `A category named "${clash.nameEn}" / "${clash.nameZh}" already exists there: choose another name or use it.`,
      );
  }

  private async categoryForChange(trx: Tx, user: User, id: string): Promise<KbCategory> {
    this.requireCategoryWriter(user);
    const c = await getCategory(trx, id);
    if (!c)
      throw new SwitchboardError(
        'not_found',
        'No such category (it may have been deleted): reload the list.',
      );
    this.requireCategoryEditor(user, c.departmentId);
    return c;
  }

  async createCategory(user: User, raw: unknown, source?: string): Promise<KbCategory> {
    this.requireCategoryWriter(user);
    const input = parseOrThrow(KbCategoryInput, raw, 'category');
    return this.db.transaction().execute(async (trx) => {
      // The version first: its lock orders this change after any other knowledge-base change in flight.
      await nextKbVersion(trx);
      this.requireCategoryEditor(user, input.departmentId);
      if (input.departmentId !== null && !(await getDepartment(trx, input.departmentId)))
        throw new SwitchboardError(
          'bad_request',
          'This department does not exist (any more): choose another.',
        );
      const c: KbCategory = { id: uuidv7(), ...input };
      await this.checkNames(trx, c);
      await insertCategory(trx, c);
      await this.auditCategory(trx, user, 'kb.category.create', c.id, null, c, source);
      return c;
    });
  }

  async renameCategory(user: User, id: string, raw: unknown, source?: string): Promise<KbCategory> {
    this.requireCategoryWriter(user);
    const names = parseOrThrow(KbCategoryNames, raw, 'category');
    return this.db.transaction().execute(async (trx) => {
      await nextKbVersion(trx);
      const before = await this.categoryForChange(trx, user, id);
      const after: KbCategory = { ...before, ...names };
      await this.checkNames(trx, after);
      await renameCategory(trx, after);
      await this.auditCategory(trx, user, 'kb.category.rename', id, before, after, source);
      return after;
    });
  }

  /** Refused while any article (in any state) is filed under it: nothing is left pointing at nothing. */
  async deleteCategory(user: User, id: string, source?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await nextKbVersion(trx);
      const before = await this.categoryForChange(trx, user, id);
      const n = await articlesInCategory(trx, id);
      if (n > 0)
        throw new SwitchboardError(
          'conflict',
          `${n} article${n === 1 ? ' is' : 's are'} filed under "${before.nameEn}": move ${n === 1 ? 'it' : 'them'} to another category (or archive and recategorise ${n === 1 ? 'it' : 'them'}) before deleting it.`,
          // The count as data too, so a desktop says it in its own language.
          [{ path: 'articles', message: String(n) }],
        );
      await deleteCategory(trx, id);
      await this.auditCategory(trx, user, 'kb.category.delete', id, before, null, source);
    });
  }

  private async auditCategory(
    trx: Tx,
    user: User,
    action: string,
    subjectId: string,
    before: KbCategory | null,
    after: KbCategory | null,
    source?: string,
  ): Promise<void> {
    await writeAudit(trx, {
      at: this.now().toISOString(),
      actorId: user.id,
      action,
      subjectId,
      detail: { before, after },
      source: source ?? null,
    });
  }

  async search(user: User, req: KbSearchQuery): Promise<KbSearchResponse> {
    await this.index.fresh();
    const editor = mayEditKb(user);
    // Agents and team leads only ever see published articles, whatever they ask for.
    const states: KbState[] = editor && req.states?.length ? req.states : ['published'];
    const filter: KbFilter = {
      states,
      departments: user.role === 'admin' || user.departmentId === null ? undefined : [user.departmentId],
      language: req.lang,
      categoryId: req.categoryId,
    };
    return this.index.search(req.q, filter, req.limit);
  }

  async read(user: User, id: string): Promise<KbArticle> {
    const a = await getArticle(this.db, id);
    if (!a || !this.readable(user, a)) throw notFound();
    return a;
  }

  /**
   * Published, public articles only, whatever the caller: what customers may see (the web-chat bot and GET
   * /api/public/kb/search). `rateKey` (a visitor or client address) is limited to the configured rate; past
   * it the call is refused with too_many_attempts and the seconds to wait.
   */
  async searchPublicArticles(
    query: string,
    lang: KbLanguage,
    opts: { rateKey?: string; limit?: number } = {},
  ): Promise<KbPublicHit[]> {
    if (opts.rateKey !== undefined) {
      const wait = this.limiter.take(opts.rateKey, this.now().getTime());
      if (wait > 0)
        throw new SwitchboardError(
          'too_many_attempts',
          `Too many searches from here: try again in ${wait} seconds.`,
          undefined,
          wait,
        );
    }
    await this.index.fresh();
    const { hits } = this.index.search(
      query,
      { states: ['published'], audiences: ['public'], language: lang },
      Math.min(opts.limit ?? 5, 10),
    );
    return hits.map((h) => {
      const a = this.index.get(h.id)!;
      return { id: a.id, title: a.title, body: a.body, language: a.language, score: h.score };
    });
  }

  private async checkInput(trx: Tx, user: User, input: KbArticleInput): Promise<void> {
    this.requireEditor(user, input.departmentId);
    if (input.departmentId !== null && !(await getDepartment(trx, input.departmentId)))
      throw new SwitchboardError('bad_request', 'This department does not exist (any more): choose another.');
    if (input.categoryId !== null) {
      const c = await getCategory(trx, input.categoryId);
      if (!c)
        throw new SwitchboardError('bad_request', 'This category does not exist (any more): choose another.');
      if (c.departmentId !== null && c.departmentId !== input.departmentId)
        throw new SwitchboardError(
          'bad_request',
          "This category belongs to another department: choose one of the article's department.",
        );
    }
  }

  async create(user: User, raw: unknown, source?: string): Promise<KbArticle> {
    this.requireWriter(user);
    const input = parseOrThrow(KbArticleInput, raw, 'article');
    const article = await this.db.transaction().execute(async (trx) => {
      await this.checkInput(trx, user, input);
      const a: KbArticle = {
        id: uuidv7(),
        ...input,
        state: 'draft',
        authorId: user.id,
        authorName: user.displayName,
        updatedAt: this.now().toISOString(),
        version: await nextKbVersion(trx),
      };
      await insertArticle(trx, a);
      await this.audit(trx, user, 'kb.article.create', a.id, undefined, a, source);
      return a;
    });
    this.index.put(article);
    return article;
  }

  async edit(user: User, id: string, raw: unknown, source?: string): Promise<KbArticle> {
    this.requireWriter(user);
    const { baseVersion, ...input } = parseOrThrow(KbArticleEdit, raw, 'article');
    return this.change(user, id, baseVersion, source, async (trx, before) => {
      if (before.state === 'archived')
        throw new SwitchboardError('conflict', 'This article is archived: restore it before editing.');
      await this.checkInput(trx, user, input);
      return { action: 'kb.article.update', after: { ...before, ...input } };
    });
  }

  async act(
    user: User,
    id: string,
    action: KbAction,
    baseVersion: number,
    source?: string,
  ): Promise<KbArticle> {
    this.requireWriter(user);
    return this.change(user, id, baseVersion, source, async (_trx, before) => {
      const t = KB_TRANSITIONS[action];
      if (!t.from.includes(before.state))
        throw new SwitchboardError(
          'conflict',
          `This article is ${before.state.replace('_', ' ')}; it cannot be ${action === 'submit' ? 'submitted for review' : `${action}d`} from there.`,
        );
      return { action: `kb.article.${action}`, after: { ...before, state: t.to } };
    });
  }

  private async change(
    user: User,
    id: string,
    baseVersion: number,
    source: string | undefined,
    decide: (trx: Tx, before: KbArticle) => Promise<{ action: string; after: KbArticle }>,
  ): Promise<KbArticle> {
    const article = await this.db.transaction().execute(async (trx) => {
      // The version first: its lock orders this change after any other article change in flight.
      const version = await nextKbVersion(trx);
      const before = await getArticleForChange(trx, id);
      if (!before || !this.readable(user, before)) throw notFound();
      this.requireEditor(user, before.departmentId);
      if (before.version !== baseVersion)
        throw new SwitchboardError(
          'conflict',
          'Someone changed this article since you opened it: reload it and make your change again.',
        );
      const { action, after } = await decide(trx, before);
      const next: KbArticle = { ...after, updatedAt: this.now().toISOString(), version };
      await replaceArticle(trx, next);
      await this.audit(trx, user, action, id, before, next, source);
      return next;
    });
    this.index.put(article);
    return article;
  }

  private async audit(
    trx: Tx,
    user: User,
    action: string,
    subjectId: string,
    before: KbArticle | undefined,
    after: KbArticle,
    source?: string,
  ): Promise<void> {
    const b = auditView(before);
    const a = auditView(after)!;
    // Only the fields that changed (audit-log.ts), plus the body's length when its text changed.
    const changed = Object.keys(a).filter(
      (k) => !b || JSON.stringify(b[k as keyof typeof b]) !== JSON.stringify(a[k as keyof typeof a]),
    );
    const pick = (o: Record<string, unknown>) => Object.fromEntries(changed.map((k) => [k, o[k]]));
    await writeAudit(trx, {
      at: this.now().toISOString(),
      actorId: user.id,
      action,
      subjectId,
      detail: {
        before: b ? pick(b) : null,
        after: pick(a),
        ...(before && before.body !== after.body ? { bodyChanged: true } : {}),
      },
      source: source ?? null,
    });
  }
}

import { sql } from 'kysely';
import { SwitchboardError, type User } from '../../shared';
import type {
  VocContact,
  VocContactsPage,
  VocContactsQuery,
  VocQuery,
  VocRisingTopic,
  VocSummary,
  VocTerm,
} from '../../shared/protocol/voc';
import type { Db } from '../db/schema';
import { VocIndexer } from './voc-indexer';
import { chiSquare1Critical, chiSquare1Tail, logLikelihood } from './voc-stats';
import { dayNumber, dayText, weekOf, weekStart } from './voc-text';

/** A term must be mentioned by this many contacts of the period to be tested at all (few contacts prove nothing). */
export const MIN_SUPPORT = 5;
/** The family-wise significance level, divided among the terms tested (Bonferroni). */
export const ALPHA = 0.05;
const TOP = 20;

/** A range of days as the whole weeks inside it and the days around them. */
export function segments(a: number, b: number): { days: [number, number][]; weeks: [number, number] | null } {
  const first = weekStart(weekOf(a)) === a ? weekOf(a) : weekOf(a) + 1;
  const last = weekStart(weekOf(b)) + 6 === b ? weekOf(b) : weekOf(b) - 1;
  if (first > last) return { days: [[a, b]], weeks: null };
  const days: [number, number][] = [];
  if (weekStart(first) > a) days.push([a, weekStart(first) - 1]);
  if (weekStart(last) + 6 < b) days.push([weekStart(last) + 7, b]);
  return { days, weeks: [first, last] };
}

/**
 * The VOC report (issue 14, item 7) over the index voc-indexer.ts keeps: supervisors and team leads see their
 * own department, administrators every department (or one they pick); agents have no reports.
 */
export class VocService {
  readonly index: VocIndexer;

  constructor(private readonly db: Db) {
    this.index = new VocIndexer(db);
  }

  /** The departments `user` may report on, narrowed to `departmentId` when given. */
  private async departments(user: User, departmentId: string | undefined): Promise<string[]> {
    if (user.role === 'agent')
      throw new SwitchboardError('forbidden', 'Reports are for supervisors, team leads and administrators.');
    if (user.role !== 'admin') {
      if (departmentId !== undefined && departmentId !== user.departmentId)
        throw new SwitchboardError(
          'forbidden',
          'You can see the voice of the customer of your own department only.',
        );
      return user.departmentId ? [user.departmentId] : [];
    }
    if (departmentId !== undefined) return [departmentId];
    const rows = await this.db.selectFrom('departments').select('id').execute();
    return rows.map((r) => r.id);
  }

  async summary(user: User, q: VocQuery): Promise<VocSummary> {
    const departments = await this.departments(user, q.departmentId);
    await this.index.fresh();
    const started = performance.now();
    const from = dayNumber(q.from);
    const to = dayNumber(q.to);
    const length = to - from + 1;
    const previousFrom = from - length;
    const base = {
      from: q.from,
      to: q.to,
      previousFrom: dayText(previousFrom),
      previousTo: dayText(from - 1),
    };
    const test = { minSupport: MIN_SUPPORT, alpha: ALPHA, tested: 0, g2Critical: 0 };
    const sentiment = { measured: 0, positive: 0, neutral: 0, negative: 0, notMeasured: 0 };
    if (departments.length === 0)
      return {
        ...base,
        contacts: 0,
        previousContacts: 0,
        topTerms: [],
        topPhrases: [],
        rising: [],
        test,
        sentiment,
        tookMs: 0,
      };
    const totals = await this.db
      .selectFrom('voc_daily_totals')
      .select((eb) => [
        sql<number>`SUM(CASE WHEN day >= ${from} THEN contacts ELSE 0 END)`.as('cur'),
        sql<number>`SUM(CASE WHEN day < ${from} THEN contacts ELSE 0 END)`.as('prev'),
        sql<number>`SUM(CASE WHEN day >= ${from} THEN positive ELSE 0 END)`.as('positive'),
        sql<number>`SUM(CASE WHEN day >= ${from} THEN neutral ELSE 0 END)`.as('neutral'),
        sql<number>`SUM(CASE WHEN day >= ${from} THEN negative ELSE 0 END)`.as('negative'),
        eb.lit(0).as('pad'),
      ])
      .where('department_id', 'in', departments)
      .where('day', '>=', previousFrom)
      .where('day', '<=', to)
      .executeTakeFirst();
    const n = Number(totals?.cur ?? 0);
    const m = Number(totals?.prev ?? 0);
    sentiment.positive = Number(totals?.positive ?? 0);
    sentiment.neutral = Number(totals?.neutral ?? 0);
    sentiment.negative = Number(totals?.negative ?? 0);
    sentiment.measured = sentiment.positive + sentiment.neutral + sentiment.negative;
    sentiment.notMeasured = n - sentiment.measured;
    // Every term of both periods with its count in each: weekly rows for the whole weeks inside a period,
    // daily rows for the days around them, added up per term.
    const counts = new Map<string, { cur: number; prev: number }>();
    const addUp = async (lo: number, hi: number, into: 'cur' | 'prev') => {
      const { days, weeks } = segments(lo, hi);
      const parts = days.map(([a, b]) =>
        this.db
          .selectFrom('voc_daily')
          .select(['term', sql<number>`SUM(contacts)`.as('n')])
          .where('department_id', 'in', departments)
          .where('day', '>=', a)
          .where('day', '<=', b)
          .groupBy('term')
          .execute(),
      );
      if (weeks)
        parts.push(
          this.db
            .selectFrom('voc_weekly')
            .select(['term', sql<number>`SUM(contacts)`.as('n')])
            .where('department_id', 'in', departments)
            .where('week', '>=', weeks[0])
            .where('week', '<=', weeks[1])
            .groupBy('term')
            .execute(),
        );
      for (const rows of await Promise.all(parts))
        for (const r of rows) {
          const c = counts.get(r.term);
          if (c) c[into] += Number(r.n);
          else counts.set(r.term, { cur: 0, prev: 0, [into]: Number(r.n) });
        }
    };
    await addUp(from, to, 'cur');
    await addUp(previousFrom, from - 1, 'prev');
    const rows = [...counts].filter(([, c]) => c.cur > 0).map(([term, c]) => ({ term, ...c }));
    const words: VocTerm[] = [];
    const phrases: VocTerm[] = [];
    const candidates: { term: string; a: number; b: number }[] = [];
    for (const r of rows) {
      const a = Number(r.cur);
      const b = Number(r.prev);
      const t = { term: r.term, phrase: r.term.includes(' '), contacts: a, share: n ? a / n : 0 };
      (t.phrase ? phrases : words).push(t);
      if (a >= MIN_SUPPORT) candidates.push({ term: r.term, a, b });
    }
    const byCount = (x: VocTerm, y: VocTerm) => y.contacts - x.contacts || (x.term < y.term ? -1 : 1);
    test.tested = candidates.length;
    const bar = candidates.length ? ALPHA / candidates.length : ALPHA;
    test.g2Critical = chiSquare1Critical(bar);
    const rising: VocRisingTopic[] = [];
    if (m > 0)
      for (const { term, a, b } of candidates) {
        const share = a / n;
        const previousShare = b / m;
        if (share <= previousShare) continue;
        const g2 = logLikelihood(a, n, b, m);
        const p = chiSquare1Tail(g2);
        if (p >= bar) continue;
        rising.push({
          term,
          phrase: term.includes(' '),
          contacts: a,
          share,
          previousContacts: b,
          previousShare,
          growth: b === 0 ? null : share / previousShare,
          g2,
          p,
        });
      }
    rising.sort((x, y) => y.g2 - x.g2 || (x.term < y.term ? -1 : 1));
    return {
      ...base,
      contacts: n,
      previousContacts: m,
      topTerms: words.sort(byCount).slice(0, TOP),
      topPhrases: phrases.sort(byCount).slice(0, TOP),
      rising: rising.slice(0, TOP),
      test,
      sentiment,
      tookMs: performance.now() - started,
    };
  }

  /** The contacts of the period mentioning `q.term`, newest day first; `after` continues a page. */
  async contacts(user: User, q: VocContactsQuery): Promise<VocContactsPage> {
    const departments = await this.departments(user, q.departmentId);
    if (departments.length === 0) return { contacts: [], next: null };
    await this.index.fresh();
    const from = dayNumber(q.from);
    const to = dayNumber(q.to);
    const [afterDay, afterSeq] = q.after ? q.after.split(':').map(Number) : [undefined, undefined];
    const rows = await this.db
      .selectFrom('voc_postings as p')
      .innerJoin('voc_contacts as c', 'c.seq', 'p.contact')
      .select(['p.day', 'p.contact', 'c.kind', 'c.contact_id', 'c.ticket_id', 'c.department_id'])
      .where('p.term', '=', q.term)
      .where('p.day', '>=', from)
      .where('p.day', '<=', to)
      .where('c.department_id', 'in', departments)
      .$if(afterDay !== undefined, (s) =>
        s.where((eb) =>
          eb.or([
            eb('p.day', '<', afterDay!),
            eb.and([eb('p.day', '=', afterDay!), eb('p.contact', '<', afterSeq!)]),
          ]),
        ),
      )
      .orderBy('p.day', 'desc')
      .orderBy('p.contact', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    const ticketIds = [...new Set(page.flatMap((r) => (r.ticket_id ? [r.ticket_id] : [])))];
    const callIds = page.filter((r) => r.kind === 'call').map((r) => r.contact_id);
    const tickets = new Map(
      (ticketIds.length
        ? await this.db
            .selectFrom('tickets')
            .select(['id', 'number', 'subject'])
            .where('id', 'in', ticketIds)
            .where('deleted_at', 'is', null)
            .execute()
        : []
      ).map((t) => [t.id, t]),
    );
    const calls = new Map(
      (callIds.length
        ? await this.db
            .selectFrom('interactions')
            .select(['id', 'caller_number'])
            .where('id', 'in', callIds)
            .execute()
        : []
      ).map((c) => [c.id, c]),
    );
    const contacts: VocContact[] = page.map((r) => {
      const ticket = r.ticket_id ? tickets.get(r.ticket_id) : undefined;
      return {
        kind: r.kind,
        ticketId: ticket?.id ?? null,
        ticketNumber: ticket?.number ?? null,
        interactionId: r.kind === 'call' ? r.contact_id : null,
        departmentId: r.department_id,
        title: ticket?.subject ?? calls.get(r.contact_id)?.caller_number ?? '',
        day: dayText(r.day),
      };
    });
    const last = page.at(-1);
    return { contacts, next: rows.length > q.limit && last ? `${last.day}:${last.contact}` : null };
  }
}

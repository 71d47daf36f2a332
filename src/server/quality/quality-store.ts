import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  DEFAULT_RUBRIC,
  DEFAULT_SAMPLING,
  QualityRule,
  QualityRuleKind,
  Rubric,
  SamplingSettings,
  SEVERITY_RANK,
  type QualityContactKind,
  type QualityFinding,
  type QualityQueueItem,
  type QualityReview,
  type QualitySeverity,
} from '../../shared/quality';
import { idList } from '../db/id-list';
import type { Tx } from '../db/schema';
import { readContact } from './contacts';
import { checkContact, defaultRuleSet, type RuleSet } from './rules';

const SEVERITIES = Object.keys(SEVERITY_RANK) as QualitySeverity[];
const severityOf = (rank: number): QualitySeverity | null => (rank < 0 ? null : (SEVERITIES[rank] ?? null));

/** A department's rules: the stored ones over the defaults (a stored rule that no longer parses is skipped). */
export async function rulesOf(trx: Tx, departmentId: string): Promise<RuleSet> {
  const set = defaultRuleSet();
  const rows = await trx
    .selectFrom('quality_rules')
    .select(['kind', 'body'])
    .where('department_id', '=', departmentId)
    .execute();
  for (const r of rows) {
    const kind = QualityRuleKind.safeParse(r.kind);
    const rule = QualityRule.safeParse(JSON.parse(r.body));
    if (kind.success && rule.success && rule.data.kind === kind.data) set[kind.data] = rule.data;
  }
  return set;
}

export async function settingsOf(
  trx: Tx,
  departmentId: string,
): Promise<{ rubric: Rubric; sampling: SamplingSettings }> {
  const row = await trx
    .selectFrom('quality_settings')
    .select(['rubric', 'sampling'])
    .where('department_id', '=', departmentId)
    .executeTakeFirst();
  const rubric = row ? Rubric.safeParse(JSON.parse(row.rubric)) : null;
  const sampling = row ? SamplingSettings.safeParse(JSON.parse(row.sampling)) : null;
  return {
    rubric: rubric?.success ? rubric.data : DEFAULT_RUBRIC,
    sampling: sampling?.success ? sampling.data : DEFAULT_SAMPLING,
  };
}

/**
 * Checks these contacts again and replaces what the store held for them (their findings and contact row).
 * A contact that is gone (a deleted ticket, a call not wrapped up) loses both. Returns how many were checked.
 */
export async function checkContacts(
  trx: Tx,
  refs: readonly { kind: QualityContactKind; id: string }[],
  now: Date,
  rulesCache = new Map<string, RuleSet>(),
): Promise<number> {
  let checked = 0;
  for (const ref of refs) {
    await trx
      .deleteFrom('quality_findings')
      .where('kind', '=', ref.kind)
      .where('contact_id', '=', ref.id)
      .execute();
    const input = await readContact(trx, ref.kind, ref.id);
    if (!input) {
      await trx
        .deleteFrom('quality_contacts')
        .where('kind', '=', ref.kind)
        .where('contact_id', '=', ref.id)
        .execute();
      continue;
    }
    let rules = rulesCache.get(input.departmentId);
    if (!rules) rulesCache.set(input.departmentId, (rules = await rulesOf(trx, input.departmentId)));
    const findings = checkContact(input, rules);
    if (findings.length > 0)
      await trx
        .insertInto('quality_findings')
        .values(
          findings.map((f) => ({
            id: uuidv7(),
            kind: ref.kind,
            contact_id: ref.id,
            department_id: input.departmentId,
            agent_id: input.agentId,
            rule: f.rule,
            severity: f.severity,
            part_id: f.partId,
            span_start: f.start,
            span_end: f.end,
            excerpt: f.excerpt.slice(0, 500),
            at: input.at,
          })),
        )
        .execute();
    const worst = findings.reduce((w, f) => Math.max(w, SEVERITY_RANK[f.severity]), -1);
    const row = {
      department_id: input.departmentId,
      agent_id: input.agentId,
      channel: input.channel,
      title: input.title.slice(0, 200),
      at: input.at,
      findings: findings.length,
      worst,
      checked_at: now.toISOString(),
    };
    await trx
      .insertInto('quality_contacts')
      .values({ kind: ref.kind, contact_id: ref.id, ...row })
      .onConflict((oc) => oc.columns(['kind', 'contact_id']).doUpdateSet(row))
      .execute();
    checked++;
  }
  return checked;
}

/** The contacts of a period in these departments, as the checks see them: ended chats, tickets, wrapped-up calls. */
export async function contactsOfPeriod(
  trx: Tx,
  departments: string[],
  fromIso: string,
  toIso: string,
): Promise<{ kind: QualityContactKind; id: string }[]> {
  if (departments.length === 0) return [];
  const chats = await trx
    .selectFrom('chat_interactions')
    .select('id')
    .where('department_id', 'in', idList(trx, departments))
    .where('ended_at', '>=', fromIso)
    .where('ended_at', '<', toIso)
    .execute();
  const tickets = await trx
    .selectFrom('tickets')
    .select('id')
    .where('department_id', 'in', idList(trx, departments))
    .where('deleted_at', 'is', null)
    .where('updated_at', '>=', fromIso)
    .where('created_at', '<', toIso)
    .execute();
  const calls = await trx
    .selectFrom('interactions')
    .select('id')
    .where('department_id', 'in', idList(trx, departments))
    .where('completed_at', '>=', fromIso)
    .where('completed_at', '<', toIso)
    .execute();
  return [
    ...chats.map((r) => ({ kind: 'chat' as const, id: r.id })),
    ...tickets.map((r) => ({ kind: 'ticket' as const, id: r.id })),
    ...calls.map((r) => ({ kind: 'call' as const, id: r.id })),
  ];
}

const DAY = 86_400_000;
/** The start (YYYY-MM-DD, UTC) of the sampling period holding `now`: weeks start on Monday. */
export function periodStart(now: Date, periodDays: number): string {
  const day = Math.floor(now.getTime() / DAY);
  // Day 4 (1970-01-05) was a Monday: periods of 7 days run Monday to Sunday.
  const start = Math.floor((day - 4) / periodDays) * periodDays + 4;
  return new Date(start * DAY).toISOString().slice(0, 10);
}

/**
 * Draws the sample of the current period of one department: for each agent with contacts in it, up to
 * `perAgent` contacts not yet drawn, weighted (Efraimidis-Spirakis: key = u^(1/w)) so a contact with findings
 * is `findingsWeight` times as likely as one without. Drawing again the same period only tops up.
 */
export async function drawSample(trx: Tx, departmentId: string, now: Date): Promise<number> {
  const { sampling } = await settingsOf(trx, departmentId);
  if (sampling.perAgent === 0) return 0;
  const start = periodStart(now, sampling.periodDays);
  const end = new Date(Date.parse(`${start}T00:00:00Z`) + sampling.periodDays * DAY).toISOString();
  const contacts = await trx
    .selectFrom('quality_contacts as c')
    .leftJoin('quality_samples as s', (j) =>
      j.onRef('s.kind', '=', 'c.kind').onRef('s.contact_id', '=', 'c.contact_id'),
    )
    .select(['c.kind', 'c.contact_id', 'c.agent_id', 'c.findings', 's.period_start'])
    .where('c.department_id', '=', departmentId)
    .where('c.agent_id', 'is not', null)
    .where('c.at', '>=', `${start}T00:00:00.000Z`)
    .where('c.at', '<', end)
    .execute();
  const byAgent = new Map<string, { drawn: number; pool: { kind: string; id: string; key: number }[] }>();
  for (const c of contacts) {
    const agent = c.agent_id!;
    let a = byAgent.get(agent);
    if (!a) byAgent.set(agent, (a = { drawn: 0, pool: [] }));
    if (c.period_start !== null) {
      a.drawn++;
      continue;
    }
    const w = c.findings > 0 ? sampling.findingsWeight : 1;
    const u = (randomInt(1, 2 ** 47) / 2 ** 47) as number;
    a.pool.push({ kind: c.kind, id: c.contact_id, key: Math.pow(u, 1 / w) });
  }
  const rows: {
    kind: string;
    contact_id: string;
    department_id: string;
    agent_id: string;
    period_start: string;
    sampled_at: string;
  }[] = [];
  for (const [agent, a] of byAgent) {
    const need = sampling.perAgent - a.drawn;
    if (need <= 0) continue;
    for (const p of a.pool.sort((x, y) => y.key - x.key).slice(0, need))
      rows.push({
        kind: p.kind,
        contact_id: p.id,
        department_id: departmentId,
        agent_id: agent,
        period_start: start,
        sampled_at: now.toISOString(),
      });
  }
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('quality_samples')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['kind', 'contact_id']).doNothing())
      .execute();
  return rows.length;
}

/** The sampled contacts of these departments, newest first. */
export async function queueOf(
  trx: Tx,
  departments: string[],
  state: 'pending' | 'reviewed' | 'all',
): Promise<QualityQueueItem[]> {
  if (departments.length === 0) return [];
  const rows = await trx
    .selectFrom('quality_samples as s')
    .innerJoin('quality_contacts as c', (j) =>
      j.onRef('c.kind', '=', 's.kind').onRef('c.contact_id', '=', 's.contact_id'),
    )
    .leftJoin('quality_reviews as r', (j) =>
      j.onRef('r.kind', '=', 's.kind').onRef('r.contact_id', '=', 's.contact_id'),
    )
    .leftJoin('users as u', 'u.id', 's.agent_id')
    .select([
      's.kind',
      's.contact_id',
      's.department_id',
      's.agent_id',
      'u.display_name',
      'c.channel',
      'c.at',
      'c.title',
      'c.findings',
      'c.worst',
      'r.id as review_id',
      'r.total',
    ])
    .where('s.department_id', 'in', idList(trx, departments))
    .$if(state === 'pending', (q) => q.where('r.id', 'is', null))
    .$if(state === 'reviewed', (q) => q.where('r.id', 'is not', null))
    .orderBy('c.at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    kind: r.kind as QualityContactKind,
    contactId: r.contact_id,
    departmentId: r.department_id,
    agentId: r.agent_id,
    agentName: r.display_name ?? '',
    channel: r.channel,
    at: r.at,
    title: r.title,
    findings: r.findings,
    worst: severityOf(r.worst),
    reviewed: r.review_id !== null,
    total: r.total === null ? null : Number(r.total),
  }));
}

export async function contactItem(
  trx: Tx,
  kind: QualityContactKind,
  id: string,
): Promise<(QualityQueueItem & { agentId: string | null }) | null> {
  const c = await trx
    .selectFrom('quality_contacts as c')
    .leftJoin('users as u', 'u.id', 'c.agent_id')
    .leftJoin('quality_reviews as r', (j) =>
      j.onRef('r.kind', '=', 'c.kind').onRef('r.contact_id', '=', 'c.contact_id'),
    )
    .select([
      'c.kind',
      'c.contact_id',
      'c.department_id',
      'c.agent_id',
      'u.display_name',
      'c.channel',
      'c.at',
      'c.title',
      'c.findings',
      'c.worst',
      'r.id as review_id',
      'r.total',
    ])
    .where('c.kind', '=', kind)
    .where('c.contact_id', '=', id)
    .executeTakeFirst();
  if (!c) return null;
  return {
    kind,
    contactId: id,
    departmentId: c.department_id,
    agentId: c.agent_id ?? '',
    agentName: c.display_name ?? '',
    channel: c.channel,
    at: c.at,
    title: c.title,
    findings: c.findings,
    worst: severityOf(c.worst),
    reviewed: c.review_id !== null,
    total: c.total === null ? null : Number(c.total),
  };
}

export async function findingsOf(trx: Tx, kind: QualityContactKind, id: string): Promise<QualityFinding[]> {
  const rows = await trx
    .selectFrom('quality_findings')
    .selectAll()
    .where('kind', '=', kind)
    .where('contact_id', '=', id)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    rule: r.rule as QualityFinding['rule'],
    severity: r.severity as QualitySeverity,
    partId: r.part_id,
    start: r.span_start === null ? null : Number(r.span_start),
    end: r.span_end === null ? null : Number(r.span_end),
    excerpt: r.excerpt,
  }));
}

type ReviewRow = {
  id: string;
  kind: string;
  contact_id: string;
  department_id: string;
  agent_id: string;
  reviewer_id: string;
  scores: string;
  rubric: string;
  total: number;
  comment: string;
  contact_at: string;
  created_at: string;
  returned_at: string | null;
  acknowledged_at: string | null;
  reviewer_name: string | null;
  title: string | null;
};

const reviewOf = (r: ReviewRow): QualityReview => ({
  id: r.id,
  kind: r.kind as QualityContactKind,
  contactId: r.contact_id,
  departmentId: r.department_id,
  agentId: r.agent_id,
  reviewerId: r.reviewer_id,
  reviewerName: r.reviewer_name ?? '',
  scores: JSON.parse(r.scores) as Record<string, number>,
  total: Number(r.total),
  comment: r.comment,
  contactAt: r.contact_at,
  createdAt: r.created_at,
  returnedAt: r.returned_at,
  acknowledgedAt: r.acknowledged_at,
  rubric: Rubric.parse(JSON.parse(r.rubric)),
  title: r.title ?? '',
});

function reviewQuery(trx: Tx) {
  return trx
    .selectFrom('quality_reviews as r')
    .leftJoin('users as u', 'u.id', 'r.reviewer_id')
    .leftJoin('quality_contacts as c', (j) =>
      j.onRef('c.kind', '=', 'r.kind').onRef('c.contact_id', '=', 'r.contact_id'),
    )
    .selectAll('r')
    .select(['u.display_name as reviewer_name', 'c.title']);
}

export async function reviewOfContact(
  trx: Tx,
  kind: QualityContactKind,
  id: string,
): Promise<QualityReview | null> {
  const r = await reviewQuery(trx)
    .where('r.kind', '=', kind)
    .where('r.contact_id', '=', id)
    .executeTakeFirst();
  return r ? reviewOf(r) : null;
}

export async function reviewById(trx: Tx, id: string): Promise<QualityReview | null> {
  const r = await reviewQuery(trx).where('r.id', '=', id).executeTakeFirst();
  return r ? reviewOf(r) : null;
}

export async function reviewsOfAgent(trx: Tx, agentId: string): Promise<QualityReview[]> {
  const rows = await reviewQuery(trx)
    .where('r.agent_id', '=', agentId)
    .where('r.returned_at', 'is not', null)
    .orderBy('r.returned_at', 'desc')
    .limit(200)
    .execute();
  return rows.map(reviewOf);
}

/** Reviews (count, average score) and findings per agent or department over [fromIso, toIso). */
export async function qualityTotals(
  trx: Tx,
  departments: string[],
  fromIso: string,
  toIso: string,
  by: 'agent' | 'department',
): Promise<{ key: string; reviews: number; scoreAverage: number | null; findings: number }[]> {
  if (departments.length === 0) return [];
  const col = by === 'agent' ? ('agent_id' as const) : ('department_id' as const);
  const reviews = await trx
    .selectFrom('quality_reviews')
    .select([col, (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('total').as('sum')])
    .where('department_id', 'in', idList(trx, departments))
    .where('contact_at', '>=', fromIso)
    .where('contact_at', '<', toIso)
    .groupBy(col)
    .execute();
  const findings = await trx
    .selectFrom('quality_findings')
    .select([col, (eb) => eb.fn.countAll<number>().as('n')])
    .where('department_id', 'in', idList(trx, departments))
    .where('at', '>=', fromIso)
    .where('at', '<', toIso)
    .groupBy(col)
    .execute();
  const out = new Map<
    string,
    { key: string; reviews: number; scoreAverage: number | null; findings: number }
  >();
  const row = (key: string) => {
    let r = out.get(key);
    if (!r) out.set(key, (r = { key, reviews: 0, scoreAverage: null, findings: 0 }));
    return r;
  };
  for (const r of reviews) {
    const x = row(r[col] ?? '');
    x.reviews = Number(r.n);
    x.scoreAverage = x.reviews > 0 ? Math.round((Number(r.sum) / x.reviews) * 10) / 10 : null;
  }
  for (const f of findings) row(f[col] ?? '').findings = Number(f.n);
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

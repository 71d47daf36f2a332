import { v7 as uuidv7 } from 'uuid';
import { SwitchboardError, type User } from '../../shared';
import {
  QualityRuleKind,
  rubricTotal,
  type QualityConfig,
  type QualityContactDetail,
  type QualityContactKind,
  type QualityContactRef,
  type QualityMine,
  type QualityPeriod,
  type QualityQueueItem,
  type QualityQueueQuery,
  type QualityReview,
  type QualityReviewInput,
  type QualityRuleInput,
  type QualitySettingsInput,
} from '../../shared/quality';
import { writeAudit } from '../audit/audit-log';
import { streamHead } from '../db/change-log';
import { dialectOf } from '../db/open';
import type { Db, Tx } from '../db/schema';
import { readContact } from './contacts';
import {
  checkContacts,
  contactItem,
  contactsOfPeriod,
  drawSample,
  findingsOf,
  queueOf,
  reviewById,
  reviewOfContact,
  reviewsOfAgent,
  rulesOf,
  settingsOf,
} from './quality-store';
import type { RuleSet } from './rules';

/** Change-log rows read per transaction. */
const BATCH = 1000;
/** Contacts checked per transaction when a period is run again. */
const RECHECK_CHUNK = 200;
/** SLA breaches are read again this far back (a sweep that commits late may carry an earlier instant). */
const SLA_OVERLAP_MS = 60_000;

const reviewer = (u: User) => u.role === 'supervisor' || u.role === 'admin';

/**
 * Quality review (README.md here): checks contacts as they end by following the change log (a chat ended, a
 * comment added, a call wrapped up, a ticket changed: its SLA), re-runs a period on demand, draws samples,
 * and keeps reviews. Who may do what: supervisors their own department, administrators every one; agents
 * only read and acknowledge the reviews returned to them.
 */
export class QualityService {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Breaches already acted on within the overlap window (ticket|at -> ms). */
  private readonly seenBreaches = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  // ---- following the change log ----------------------------------------------------------------------

  /** Resolves once every change committed before the call has been checked. */
  fresh(): Promise<void> {
    if (!this.running) {
      this.running = this.catchUp().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.fresh();
      });
    return this.queued;
  }

  async settled(): Promise<void> {
    while (this.running ?? this.queued) await (this.queued ?? this.running)!.catch(() => {});
  }

  private async catchUp(): Promise<void> {
    const head = await streamHead(this.db);
    while (await this.db.transaction().execute((trx) => this.batch(trx, head))) {
      /* next batch */
    }
  }

  private async batch(trx: Tx, head: number): Promise<boolean> {
    const pg = dialectOf(trx) === 'postgres';
    const state = await trx
      .selectFrom('quality_state')
      .select('value')
      .where('name', '=', 'cursor')
      .$if(pg, (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
    const cursor = Number(state.value);
    const changes = await trx
      .selectFrom('change_log')
      .select(['version', 'kind', 'entity_id'])
      .where('version', '>', cursor)
      .where('version', '<=', head)
      .where('kind', 'in', ['ticket', 'comment', 'interaction', 'chat'])
      .orderBy('version')
      .limit(BATCH)
      .execute();
    const more = changes.length === BATCH;
    const next = more ? Number(changes.at(-1)!.version) : Math.max(head, cursor);
    const refs = new Map<string, { kind: QualityContactKind; id: string }>();
    const comments: string[] = [];
    for (const c of changes) {
      if (c.kind === 'comment') comments.push(c.entity_id);
      else {
        const kind = c.kind === 'interaction' ? 'call' : c.kind === 'chat' ? 'chat' : 'ticket';
        refs.set(`${kind}:${c.entity_id}`, { kind, id: c.entity_id });
      }
    }
    // SLA breaches: the sweeper records them in sla_events without a change of the ticket (sla/README.md).
    // They are read by time with an overlap (a sweep committing late may carry an earlier instant); a ticket
    // checked twice is the same check.
    const slaCursor = await this.slaCursor(trx, pg);
    const breaches = await trx
      .selectFrom('sla_events')
      .select(['ticket_id', 'at'])
      .where('kind', '=', 'breach')
      .where('at', '>', new Date(slaCursor - SLA_OVERLAP_MS).toISOString())
      .orderBy('at')
      .limit(BATCH)
      .execute();
    for (const b of breaches) {
      const key = `${b.ticket_id}|${b.at}`;
      if (this.seenBreaches.has(key)) continue;
      this.seenBreaches.set(key, Date.parse(b.at));
      refs.set(`ticket:${b.ticket_id}`, { kind: 'ticket', id: b.ticket_id });
    }
    for (const [key, at] of this.seenBreaches)
      if (at < slaCursor - 2 * SLA_OVERLAP_MS) this.seenBreaches.delete(key);
    const slaNext = Math.max(slaCursor, ...breaches.map((b) => Date.parse(b.at)));
    if (slaNext !== slaCursor)
      await trx.updateTable('quality_state').set({ value: slaNext }).where('name', '=', 'sla_at').execute();
    for (let i = 0; i < comments.length; i += 500) {
      const rows = await trx
        .selectFrom('ticket_comments')
        .select('ticket_id')
        .where('id', 'in', comments.slice(i, i + 500))
        .execute();
      for (const r of rows) refs.set(`ticket:${r.ticket_id}`, { kind: 'ticket', id: r.ticket_id });
    }
    await checkContacts(trx, [...refs.values()], this.now());
    if (next !== cursor)
      await trx.updateTable('quality_state').set({ value: next }).where('name', '=', 'cursor').execute();
    return more;
  }

  /** The instant (ms) of the last SLA breach read; from the first run on, breaches after it. */
  private async slaCursor(trx: Tx, pg: boolean): Promise<number> {
    await trx
      .insertInto('quality_state')
      .values({ name: 'sla_at', value: this.now().getTime() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await trx
      .selectFrom('quality_state')
      .select('value')
      .where('name', '=', 'sla_at')
      .$if(pg, (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  // ---- who sees what ---------------------------------------------------------------------------------

  private requireReviewer(user: User): void {
    if (!reviewer(user))
      throw new SwitchboardError('forbidden', 'Quality review is for supervisors and administrators.');
  }

  /** The departments a reviewer works on: admins every one (or the one asked), supervisors their own. */
  private async departmentsOf(user: User, asked?: string): Promise<string[]> {
    this.requireReviewer(user);
    if (user.role === 'admin') {
      if (asked) {
        await this.requireDepartment(asked);
        return [asked];
      }
      return (await this.db.selectFrom('departments').select('id').orderBy('code').execute()).map(
        (d) => d.id,
      );
    }
    if (!user.departmentId) throw new SwitchboardError('forbidden', 'You belong to no department.');
    if (asked && asked !== user.departmentId)
      throw new SwitchboardError('forbidden', "You may review your own department's contacts only.");
    return [user.departmentId];
  }

  private async requireDepartment(id: string): Promise<void> {
    const d = await this.db.selectFrom('departments').select('id').where('id', '=', id).executeTakeFirst();
    if (!d) throw new SwitchboardError('not_found', 'No such department.');
  }

  private async oneDepartment(user: User, id: string): Promise<void> {
    await this.departmentsOf(user, id);
    await this.requireDepartment(id);
  }

  // ---- configuration ---------------------------------------------------------------------------------

  async config(user: User, departmentId: string): Promise<QualityConfig> {
    await this.oneDepartment(user, departmentId);
    const rules = await rulesOf(this.db, departmentId);
    const { rubric, sampling } = await settingsOf(this.db, departmentId);
    return { departmentId, rules: QualityRuleKind.options.map((k) => rules[k]), rubric, sampling };
  }

  async saveRule(user: User, input: QualityRuleInput, source: string | null): Promise<QualityConfig> {
    await this.oneDepartment(user, input.departmentId);
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const before: RuleSet = await rulesOf(trx, input.departmentId);
      const row = { body: JSON.stringify(input.rule), updated_at: at, updated_by: user.id };
      await trx
        .insertInto('quality_rules')
        .values({ department_id: input.departmentId, kind: input.rule.kind, ...row })
        .onConflict((oc) => oc.columns(['department_id', 'kind']).doUpdateSet(row))
        .execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        source,
        action: 'quality.rule',
        subjectId: input.departmentId,
        detail: { kind: input.rule.kind, before: before[input.rule.kind], after: input.rule },
      });
    });
    return this.config(user, input.departmentId);
  }

  async saveSettings(user: User, input: QualitySettingsInput, source: string | null): Promise<QualityConfig> {
    await this.oneDepartment(user, input.departmentId);
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const before = await settingsOf(trx, input.departmentId);
      const row = {
        rubric: JSON.stringify(input.rubric),
        sampling: JSON.stringify(input.sampling),
        updated_at: at,
        updated_by: user.id,
      };
      await trx
        .insertInto('quality_settings')
        .values({ department_id: input.departmentId, ...row })
        .onConflict((oc) => oc.column('department_id').doUpdateSet(row))
        .execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        source,
        action: 'quality.settings',
        subjectId: input.departmentId,
        detail: { before, after: { rubric: input.rubric, sampling: input.sampling } },
      });
    });
    return this.config(user, input.departmentId);
  }

  // ---- runs --------------------------------------------------------------------------------------------

  /** Checks every contact of a period again (after rules changed); audited. */
  async recheck(user: User, p: QualityPeriod, source: string | null): Promise<number> {
    const departments = await this.departmentsOf(user, p.departmentId);
    await this.fresh();
    const from = `${p.from}T00:00:00.000Z`;
    const to = new Date(Date.parse(`${p.to}T00:00:00Z`) + 86_400_000).toISOString();
    const refs = await contactsOfPeriod(this.db, departments, from, to);
    let n = 0;
    const cache = new Map<string, RuleSet>();
    for (let i = 0; i < refs.length; i += RECHECK_CHUNK)
      n += await this.db
        .transaction()
        .execute((trx) => checkContacts(trx, refs.slice(i, i + RECHECK_CHUNK), this.now(), cache));
    await this.db.transaction().execute((trx) =>
      writeAudit(trx, {
        at: this.now().toISOString(),
        actorId: user.id,
        source,
        action: 'quality.recheck',
        subjectId: p.departmentId ?? null,
        detail: { from: p.from, to: p.to, departments, contacts: n },
      }),
    );
    return n;
  }

  /** Draws the current period's sample for the departments the user reviews (or, from the timer, all). */
  async sample(user: User | null, departmentId?: string): Promise<number> {
    const departments = user
      ? await this.departmentsOf(user, departmentId)
      : (await this.db.selectFrom('departments').select('id').execute()).map((d) => d.id);
    await this.fresh();
    let n = 0;
    for (const d of departments)
      n += await this.db.transaction().execute((trx) => drawSample(trx, d, this.now()));
    return n;
  }

  // ---- review ------------------------------------------------------------------------------------------

  async queue(user: User, q: QualityQueueQuery): Promise<QualityQueueItem[]> {
    const departments = await this.departmentsOf(user, q.departmentId);
    await this.fresh();
    return queueOf(this.db, departments, q.state ?? 'pending');
  }

  async contact(user: User, ref: QualityContactRef): Promise<QualityContactDetail> {
    this.requireReviewer(user);
    await this.fresh();
    const item = await contactItem(this.db, ref.kind, ref.id);
    if (!item || (user.role !== 'admin' && item.departmentId !== user.departmentId))
      throw new SwitchboardError('not_found', 'No such contact among those you review.');
    const input = await readContact(this.db, ref.kind, ref.id);
    if (!input) throw new SwitchboardError('not_found', 'This contact is no longer there.');
    const { rubric } = await settingsOf(this.db, item.departmentId);
    const review = await reviewOfContact(this.db, ref.kind, ref.id);
    return {
      item,
      parts: input.parts,
      call: input.call,
      findings: await findingsOf(this.db, ref.kind, ref.id),
      review,
      rubric: review?.rubric ?? rubric,
    };
  }

  async review(user: User, input: QualityReviewInput, source: string | null): Promise<QualityReview> {
    this.requireReviewer(user);
    await this.fresh();
    const item = await contactItem(this.db, input.kind, input.contactId);
    if (!item || (user.role !== 'admin' && item.departmentId !== user.departmentId))
      throw new SwitchboardError('not_found', 'No such contact among those you review.');
    if (!item.agentId) throw new SwitchboardError('bad_request', 'This contact has no agent to review.');
    const { rubric } = await settingsOf(this.db, item.departmentId);
    for (const [key, score] of Object.entries(input.scores)) {
      const it = rubric.find((r) => r.key === key);
      if (!it)
        throw new SwitchboardError('bad_request', `"${key}" is not an item of this department's rubric.`);
      if (score > it.max)
        throw new SwitchboardError(
          'bad_request',
          `${it.labelEn} is scored 0 to ${it.max}; ${score} is too high.`,
        );
    }
    const at = this.now().toISOString();
    const total = rubricTotal(rubric, input.scores);
    const id = await this.db.transaction().execute(async (trx) => {
      const before = await reviewOfContact(trx, input.kind, input.contactId);
      const returnedAt = before?.returnedAt ?? (input.returnToAgent ? at : null);
      const row = {
        reviewer_id: user.id,
        scores: JSON.stringify(input.scores),
        rubric: JSON.stringify(rubric),
        total,
        comment: input.comment,
        returned_at: returnedAt,
        // A changed review returned again asks for a new acknowledgement.
        acknowledged_at: before && input.returnToAgent ? null : (before?.acknowledgedAt ?? null),
      };
      const reviewId = before?.id ?? uuidv7();
      if (before) await trx.updateTable('quality_reviews').set(row).where('id', '=', before.id).execute();
      else
        await trx
          .insertInto('quality_reviews')
          .values({
            id: reviewId,
            kind: input.kind,
            contact_id: input.contactId,
            department_id: item.departmentId,
            agent_id: item.agentId,
            contact_at: item.at,
            created_at: at,
            ...row,
          })
          .execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        source,
        action: before ? 'quality.review.change' : 'quality.review',
        subjectId: reviewId,
        detail: {
          kind: input.kind,
          contactId: input.contactId,
          agentId: item.agentId,
          total,
          scores: input.scores,
          returned: returnedAt !== null,
          ...(before && { before: { scores: before.scores, total: before.total, comment: before.comment } }),
        },
      });
      return reviewId;
    });
    return (await reviewById(this.db, id))!;
  }

  async mine(user: User): Promise<QualityMine> {
    const reviews = await reviewsOfAgent(this.db, user.id);
    return { reviews, unacknowledged: reviews.filter((r) => r.acknowledgedAt === null).length };
  }

  async acknowledge(user: User, reviewId: string, source: string | null): Promise<QualityMine> {
    const r = await reviewById(this.db, reviewId);
    if (!r || r.agentId !== user.id || r.returnedAt === null)
      throw new SwitchboardError('not_found', 'No such review returned to you.');
    if (r.acknowledgedAt === null) {
      const at = this.now().toISOString();
      await this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('quality_reviews')
          .set({ acknowledged_at: at })
          .where('id', '=', r.id)
          .execute();
        await writeAudit(trx, {
          at,
          actorId: user.id,
          source,
          action: 'quality.acknowledge',
          subjectId: r.id,
          detail: { total: r.total },
        });
      });
    }
    return this.mine(user);
  }
}

import { sql, type Selectable } from 'kysely';
import { SwitchboardError, type Mutation, type MutationResult, type User } from '../../shared';
import { writeAudits, type AuditEntry } from '../audit/audit-log';
import { applyCustomerCreate } from '../customers/customer-mutations';
import { idList } from '../db/id-list';
import { dialectOf } from '../db/open';
import { isRetryableConflict, retryConflicts } from '../db/retry';
import type { Database, Db, Tx } from '../db/schema';
import { refreshTicketSla } from '../sla/sla-store';
import { applyTicketCreate } from '../tickets/create-ticket';
import { deleteTicket } from '../tickets/delete-ticket';
import { commentTicket, TicketConflictError, updateTicket } from '../tickets/ticket-mutations';
import {
  applyInteractionComplete,
  applyInteractionLog,
  checkLoggable,
  type LiveCalls,
} from '../voice/interaction-mutations';

export interface PushOutcome {
  results: MutationResult[];
  /** Departments whose replicas should pull (something in them changed). */
  departments: Set<string>;
}

/**
 * Applies one mutation; returns the new version, the department whose replicas should pull, and what the
 * audit record should say beyond the mutation itself.
 */
async function run(
  trx: Tx,
  user: User,
  m: Mutation,
  now: Date,
  deviceId: string | null,
): Promise<{
  version: number;
  departmentId: string | undefined;
  /** A department the change took the ticket out of: its replicas pull too (to drop it). */
  left?: string;
  /** Departments of other tickets the change touched (a reverse related link, a merge's target). */
  also?: string[];
  detail?: Record<string, unknown>;
}> {
  switch (m.name) {
    case 'ticket.create': {
      const { version, departmentId, number } = await applyTicketCreate(trx, user, m.args, now);
      return { version, departmentId, detail: { number } };
    }
    case 'customer.create': {
      const { version, departmentId, mergedInto } = await applyCustomerCreate(trx, user, m.args, now);
      return { version, departmentId, detail: mergedInto ? { mergedInto } : {} };
    }
    case 'ticket.update': {
      const { version, departmentId, from, also } = await updateTicket(trx, user, m.args, now, deviceId);
      return { version, departmentId, ...(from ? { left: from } : {}), also };
    }
    case 'ticket.comment':
      return commentTicket(trx, user, m.args, now);
    case 'ticket.delete': {
      const { version, departmentId, also, before } = await deleteTicket(trx, user, m.args, now, deviceId);
      // The whole ticket as it was: the audit record is all that says what was deleted.
      return { version, departmentId, also, detail: { before } };
    }
    case 'interaction.log':
      return applyInteractionLog(trx, user, m.args);
    case 'interaction.complete':
      return applyInteractionComplete(trx, user, m.args, now);
  }
}

function auditOf(
  m: Mutation,
  error: string | undefined,
): { subjectId: string; detail: Record<string, unknown> } {
  const err = error ? { error } : {};
  switch (m.name) {
    case 'ticket.create':
      return {
        subjectId: m.args.ticketId,
        detail: {
          mutationId: m.id,
          departmentId: m.args.departmentId,
          customerId: m.args.customerId,
          interactionId: m.args.interactionId,
          ...err,
        },
      };
    // Contact details stay out of the append-only audit chain; the customer row has them.
    case 'customer.create':
      return { subjectId: m.args.customerId, detail: { mutationId: m.id, ...err } };
    case 'ticket.update':
      return {
        subjectId: m.args.ticketId,
        detail: {
          mutationId: m.id,
          patch: m.args.patch,
          ...(m.args.reason ? { reason: m.args.reason } : {}),
          ...err,
        },
      };
    case 'ticket.comment':
      return {
        subjectId: m.args.ticketId,
        detail: { mutationId: m.id, commentId: m.args.commentId, ...err },
      };
    case 'ticket.delete':
      return {
        subjectId: m.args.ticketId,
        detail: {
          mutationId: m.id,
          baseVersion: m.args.baseVersion,
          ...(m.args.reason ? { reason: m.args.reason } : {}),
          ...err,
        },
      };
    case 'interaction.log':
      // The call's times, not its numbers: the audit chain keeps who recorded what, not customers' data.
      return {
        subjectId: m.args.interactionId,
        detail: { mutationId: m.id, callId: m.args.callId, direction: m.args.direction, ...err },
      };
    case 'interaction.complete':
      return {
        subjectId: m.args.interactionId,
        detail: {
          mutationId: m.id,
          disposition: m.args.disposition,
          ticketId: m.args.ticketId ?? null,
          ...err,
        },
      };
  }
}

type AppliedRow = Selectable<Database['applied_mutations']>;

/**
 * The ids among `ids` answered before this transaction, read in one query for a run of mutations. Outcomes
 * recorded in the transaction itself (a copy sent twice, or by an earlier push sharing it) are in its Recorder.
 */
async function answered(trx: Tx, ids: readonly string[]): Promise<Map<string, AppliedRow>> {
  const rows = await trx
    .selectFrom('applied_mutations')
    .selectAll()
    .where('id', 'in', idList(trx, ids))
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

async function replay(
  trx: Tx,
  user: User,
  id: string,
  known?: { rows: Map<string, AppliedRow>; recorded: Recorder },
): Promise<MutationResult | undefined> {
  const r = !known
    ? await trx.selectFrom('applied_mutations').selectAll().where('id', '=', id).executeTakeFirst()
    : (known.recorded.row(id) ?? known.rows.get(id));
  if (!r) return undefined;
  if (r.user_id !== user.id) {
    return {
      id,
      status: 'rejected',
      error: { code: 'conflict', message: 'This mutation id was already used by another user.' },
    };
  }
  return r.status === 'applied'
    ? { id, status: 'applied', ...(r.version !== null ? { version: r.version } : {}) }
    : { id, status: 'rejected', error: { code: r.error_code ?? 'internal', message: r.error_message ?? '' } };
}

/**
 * The outcomes of one transaction's mutations (applied_mutations rows and audit records), written together by
 * flush() before the transaction commits: one INSERT each rather than four statements per mutation, which on
 * PostgreSQL (a round trip per statement) were a third of a replay's. They are written outside every
 * mutation's savepoint, as they were after a refusal rolled its savepoint back; a transaction that rolls back
 * takes them with it, and nothing is answered before the commit either way.
 */
class Recorder {
  private readonly rows = new Map<string, AppliedRow>();
  private readonly audits: AuditEntry[] = [];

  add(user: User, m: Mutation, r: MutationResult, at: Date, extra: Record<string, unknown> = {}): void {
    this.rows.set(m.id, {
      id: m.id,
      user_id: user.id,
      name: m.name,
      status: r.status,
      version: r.version ?? null,
      error_code: r.error?.code ?? null,
      error_message: r.error?.message ?? null,
      at: at.toISOString(),
    });
    const { subjectId, detail } = auditOf(m, r.error?.code);
    this.audits.push({
      at: at.toISOString(),
      actorId: user.id,
      action: `${m.name}.${r.status}`,
      subjectId,
      detail: { ...detail, ...extra },
    });
  }

  /** An outcome recorded in this transaction and not yet flushed: a mutation sent twice in one push. */
  row(id: string): AppliedRow | undefined {
    return this.rows.get(id);
  }

  async flush(trx: Tx): Promise<void> {
    const rows = [...this.rows.values()];
    // 8 columns: 250 rows are 2,000 bound values, far under either store's limit.
    for (let i = 0; i < rows.length; i += 250)
      await trx
        .insertInto('applied_mutations')
        .values(rows.slice(i, i + 250))
        .execute();
    await writeAudits(trx, this.audits);
    this.rows.clear();
    this.audits.length = 0;
  }
}

/** Mutations applied in one transaction at most: a transaction holds the one connection, so others' pulls wait. */
const MUTATIONS_PER_TRANSACTION = 100;

/** The transaction cannot be trusted to hold whole mutations only: it must roll back entirely. */
class TransactionBroken extends Error {
  constructor(readonly error: unknown) {
    super('a mutation could not be rolled back to its savepoint');
  }
}

/** What a transaction's run of mutations knows besides the database (see applyPush). */
interface Known {
  /** Outcomes stored before the transaction, of the run's mutation ids. */
  rows: Map<string, AppliedRow>;
  recorded: Recorder;
  /** The savepoint `mutation` of an applied mutation is still open (PostgreSQL, see openSavepoint). */
  savepoint: boolean;
  /** Tickets an applied mutation created or changed: their SLA is computed again before the commit. */
  tickets: Set<string>;
}

/**
 * Sets the savepoint `mutation` for the next mutation. On PostgreSQL an applied mutation's savepoint is left
 * open and released here, in the same round trip as the next one is set: one simple query may hold several
 * statements (no parameters), and a round trip per statement is what a push costs there. SQLite's driver runs
 * one statement at a time, in process, and releases each savepoint when its mutation is done.
 */
async function openSavepoint(trx: Tx, known: Known): Promise<void> {
  if (known.savepoint) await sql`RELEASE mutation; SAVEPOINT mutation`.execute(trx);
  else await sql`SAVEPOINT mutation`.execute(trx);
  known.savepoint = true;
}

async function closeSavepoint(trx: Tx, known: Known): Promise<void> {
  await sql`RELEASE mutation`.execute(trx);
  known.savepoint = false;
}

/** One mutation inside the caller's transaction: its result, applied or refused, recorded under its id. */
async function applyOne(
  trx: Tx,
  user: User,
  m: Mutation,
  at: Date,
  deviceId: string | null,
  departments: Set<string>,
  known: Known,
): Promise<MutationResult> {
  // A second copy of a mutation in the run finds the first one's outcome in known.recorded.
  const previous = await replay(trx, user, m.id, known);
  if (previous) return previous;
  // A savepoint per mutation, so a refusal undoes only what that mutation had written.
  await openSavepoint(trx, known);
  try {
    const { version, departmentId, left, also, detail } = await run(trx, user, m, at, deviceId);
    const result: MutationResult = { id: m.id, status: 'applied', version };
    // PostgreSQL releases it with the next savepoint or at the end of the transaction's run (closeSavepoint).
    if (dialectOf(trx) === 'sqlite') await closeSavepoint(trx, known);
    known.recorded.add(user, m, result, at, detail);
    if (m.name === 'ticket.create' || m.name === 'ticket.update' || m.name === 'ticket.comment')
      known.tickets.add(m.args.ticketId);
    // A deleted ticket has no SLA to compute (an edit earlier in the transaction may have named it).
    if (m.name === 'ticket.delete') known.tickets.delete(m.args.ticketId);
    if (departmentId) departments.add(departmentId);
    if (left) departments.add(left);
    for (const d of also ?? []) departments.add(d);
    return result;
  } catch (e) {
    try {
      await sql`ROLLBACK TO mutation`.execute(trx);
      await closeSavepoint(trx, known);
    } catch (rollback) {
      // Part of this mutation may still be in the transaction: none of it may commit.
      throw new TransactionBroken(rollback);
    }
    if (!(e instanceof SwitchboardError)) throw e;
    const r: MutationResult = { id: m.id, status: 'rejected', error: { code: e.code, message: e.message } };
    known.recorded.add(user, m, r, at);
    // Sent with this answer only: a replay gets the code and message (the audit chain keeps the patch).
    if (e instanceof TicketConflictError) r.error!.conflicts = e.conflicts;
    return r;
  }
}

/**
 * Applies mutations in the order sent, up to MUTATIONS_PER_TRANSACTION in one transaction, each in a savepoint
 * of its own so one refusal does not undo the others (a commit per mutation was a third of a 10,000-edit
 * replay). Applied and refused outcomes are both remembered under the mutation id, in the transaction of the
 * change: a replay gets the same answer and changes nothing. Nothing is answered before its transaction commits,
 * so a crash before then loses only unanswered mutations, which the client sends again. Unexpected errors are
 * not remembered (the client may retry) and end the push, the mutations before the failing one committed.
 * Pushes of other desktops that arrive meanwhile may share the transaction (see commitTogether).
 *
 * A logged call the voice service still holds live is ended through it first (liveCalls), outside any
 * transaction: the service writes its calls from memory, through the connection a transaction would hold.
 *
 * deviceId is the installation the push came from (PushRequest): a ticket field changed on another device
 * since a patch's base version conflicts with it even when that device is the same user's. Absent (an older
 * desktop), the push counts as one device of its own for its user.
 */
export async function applyPush(
  db: Db,
  user: User,
  mutations: Mutation[],
  now: () => Date,
  opts: { liveCalls?: LiveCalls; deviceId?: string } = {},
): Promise<PushOutcome> {
  const runs = dialectOf(db) === 'postgres' ? independentRuns(mutations, PARALLEL_TRANSACTIONS) : [];
  if (runs.length <= 1) return applyInOrder(db, user, mutations, now, opts);
  // Each run in order, the runs side by side; an unexpected error in one ends the push once all have
  // stopped (what the others committed is answered again from applied_mutations when the desktop resends).
  const settled = await Promise.allSettled(runs.map((r) => applyInOrder(db, user, r, now, opts)));
  const failed = settled.find((o) => o.status === 'rejected');
  if (failed) throw failed.reason;
  const byId = new Map<string, MutationResult>();
  const departments = new Set<string>();
  for (const o of settled) {
    if (o.status !== 'fulfilled') continue;
    for (const r of o.value.results) byId.set(r.id, r);
    for (const d of o.value.departments) departments.add(d);
  }
  return { results: mutations.flatMap((m) => byId.get(m.id) ?? []), departments };
}

/** Transactions of one database that may run at once on PostgreSQL (each holds a pooled connection). */
const PARALLEL_TRANSACTIONS = 4;

/** The ids a mutation reads or writes besides its own: mutations sharing one must apply in the order sent. */
function touches(m: Mutation): (string | null | undefined)[] {
  switch (m.name) {
    case 'ticket.create':
      return [m.args.ticketId, m.args.customerId, m.args.interactionId];
    case 'customer.create':
      return [m.args.customerId];
    case 'ticket.update':
      // Linked tickets are changed too (reverse related links, a merge's target).
      return [
        m.args.ticketId,
        m.args.patch.parentId,
        m.args.patch.mergedInto,
        ...(m.args.patch.relatedIds ?? []),
      ];
    case 'ticket.comment':
    case 'ticket.delete':
      return [m.args.ticketId];
    case 'interaction.log':
      return [m.args.interactionId];
    case 'interaction.complete':
      return [m.args.interactionId, m.args.ticketId, m.args.customerId];
  }
}

/**
 * Splits a push into at most `most` runs that share no ticket, customer or call (nor mutation id), each in the
 * order sent, so they can apply side by side: on PostgreSQL a transaction is a round trip per statement, and
 * one desktop's replay of thousands of edits one transaction at a time left both the service and the database
 * mostly waiting. Mutations linked through any id (a customer, then a ticket for it, then a comment) stay in one
 * run. Two desktops' runs that touch one ticket meet at its row lock (getTicketForChange).
 */
export function independentRuns(mutations: readonly Mutation[], most: number): Mutation[][] {
  const parent = new Map<string, string>();
  const root = (k: string): string => {
    if (!parent.has(k)) parent.set(k, k);
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const keys = mutations.map((m) => [`m:${m.id}`, ...touches(m).flatMap((id) => (id ? [`x:${id}`] : []))]);
  for (const ks of keys) for (const k of ks.slice(1)) parent.set(root(k), root(ks[0]!));
  const bucketOf = new Map<string, number>();
  const runs: Mutation[][] = [];
  for (const [i, m] of mutations.entries()) {
    const r = root(keys[i]![0]!);
    let b = bucketOf.get(r);
    if (b === undefined) bucketOf.set(r, (b = bucketOf.size % most));
    (runs[b] ??= []).push(m);
  }
  return runs;
}

async function applyInOrder(
  db: Db,
  user: User,
  mutations: Mutation[],
  now: () => Date,
  opts: { liveCalls?: LiveCalls; deviceId?: string },
): Promise<PushOutcome> {
  const { liveCalls } = opts;
  const unit: Unit = {
    user,
    deviceId: opts.deviceId ?? null,
    mutations,
    now,
    next: 0,
    results: [],
    departments: new Set<string>(),
    outsideTransaction: (m: Mutation) => m.name === 'interaction.log' && liveCalls !== undefined,
    unexpected: undefined,
  };
  while (unit.next < mutations.length) {
    const first = mutations[unit.next]!;
    if (first.name === 'interaction.log' && liveCalls) {
      const at = now();
      try {
        checkLoggable(user, first.args);
        await liveCalls.endLoggedCall(user, first.args);
      } catch (e) {
        // Unavailable (no node owns routing right now) is no answer: the push ends, the desktop sends it again.
        if (!(e instanceof SwitchboardError) || e.code === 'unavailable') throw e;
        unit.results.push(await db.transaction().execute((trx) => refuseOne(trx, user, first, at, e)));
        unit.next++;
        continue;
      }
    }
    await commitTogether(db, unit);
    if (unit.unexpected !== undefined) throw unit.unexpected;
  }
  return { results: unit.results, departments: unit.departments };
}

/** The part of one push that goes into the next transaction, and where the push has got to. */
interface Unit {
  user: User;
  deviceId: string | null;
  mutations: Mutation[];
  now: () => Date;
  /** The first mutation not yet answered. */
  next: number;
  results: MutationResult[];
  departments: Set<string>;
  /** A mutation that must start a transaction of its own (a logged call ended through the voice service). */
  outsideTransaction: (m: Mutation) => boolean;
  unexpected: unknown;
}

interface Waiting {
  queue: { unit: Unit; done: (e?: unknown) => void }[];
  /** Transactions under way: one on SQLite (one connection), up to PARALLEL_TRANSACTIONS on PostgreSQL. */
  running: number;
}

/** Pushes of one database waiting for a transaction to take them. */
const waiting = new WeakMap<Db, Waiting>();
/** Mutations of several pushes in one transaction at most. */
const MUTATIONS_PER_SHARED_TRANSACTION = 500;

/**
 * Group commit: pushes that arrive while a transaction runs go together into the next one, in the order they
 * came, each under its own user: one commit for many desktops' edits, instead of one each, is what lets a busy
 * contact center's edits through. On PostgreSQL up to PARALLEL_TRANSACTIONS such transactions run at once
 * (row locks keep two changes of one ticket in order); SQLite has one. A push alone is applied as before.
 * When a shared transaction fails, each push in it is tried again in one of its own, so a push never fails
 * for another's sake.
 */
function commitTogether(db: Db, unit: Unit): Promise<void> {
  let entry = waiting.get(db);
  if (!entry) waiting.set(db, (entry = { queue: [], running: 0 }));
  const e = entry;
  return new Promise((resolve, reject) => {
    e.queue.push({ unit, done: (err) => (err === undefined ? resolve() : reject(err)) });
    const most = dialectOf(db) === 'postgres' ? PARALLEL_TRANSACTIONS : 1;
    if (e.running < most) void drainPushes(db, e);
  });
}

async function drainPushes(db: Db, e: Waiting): Promise<void> {
  e.running++;
  try {
    while (e.queue.length > 0) {
      let size = 0;
      let take = 0;
      while (take < e.queue.length && (take === 0 || size < MUTATIONS_PER_SHARED_TRANSACTION)) {
        const u = e.queue[take]!.unit;
        size += Math.min(u.mutations.length - u.next, MUTATIONS_PER_TRANSACTION);
        take++;
      }
      const batch = e.queue.splice(0, take);
      const failed = await inOneTransaction(
        db,
        batch.map((b) => b.unit),
      );
      if (failed === null) {
        for (const b of batch) b.done();
      } else if (batch.length === 1) {
        batch[0]!.done(failed);
      } else {
        for (const b of batch) {
          const alone = await inOneTransaction(db, [b.unit]);
          b.done(alone ?? undefined);
        }
      }
    }
  } finally {
    e.running--;
  }
}

/**
 * Applies each unit's next run in one transaction; on failure nothing of it stays, in the database or in the
 * units. The rows a mutation changes are locked as it reads them (getTicketForChange), so transactions of
 * this node and others that touch different tickets run side by side; one that PostgreSQL ends to break a
 * deadlock between two of them is run again (retryConflicts' rule).
 */
async function inOneTransaction(db: Db, units: Unit[]): Promise<unknown> {
  const before = units.map((u) => ({
    next: u.next,
    results: u.results.length,
    departments: [...u.departments],
  }));
  const restore = () => {
    for (const [i, u] of units.entries()) {
      u.next = before[i]!.next;
      u.results.length = before[i]!.results;
      u.departments = new Set(before[i]!.departments);
      u.unexpected = undefined;
    }
  };
  try {
    await retryConflicts(
      () =>
        db.transaction().execute(async (trx) => {
          // A run again starts from where the units stood before the first try.
          restore();
          // One recorder for the whole transaction: a mutation id recorded by an earlier push in it is found there.
          const known: Known = {
            rows: new Map(),
            recorded: new Recorder(),
            savepoint: false,
            tickets: new Set(),
          };
          for (const u of units) await applyRun(trx, u, known);
          if (known.savepoint) await closeSavepoint(trx, known);
          // The SLA of every ticket changed here (sla/sla-store.ts), in the same transaction.
          await refreshTicketSla(db, trx, known.tickets, units[0]!.now());
          await known.recorded.flush(trx);
        }),
      5,
      (e) => isRetryableConflict(e) || answeredMeanwhile(e),
    );
    return null;
  } catch (err) {
    restore();
    return err;
  }
}

/**
 * A mutation sent twice at once (a desktop resending on its second connection) may apply in two transactions
 * side by side: the second to commit fails on the first's answer (applied_mutations' key). Run again, it finds
 * that answer (replay) and gives the same one.
 */
function answeredMeanwhile(e: unknown): boolean {
  const { code, constraint } = (e ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'applied_mutations_pkey';
}

/** One unit's next run of mutations, inside the shared transaction. */
async function applyRun(trx: Tx, u: Unit, known: Known): Promise<void> {
  const end = Math.min(u.mutations.length, u.next + MUTATIONS_PER_TRANSACTION);
  // Outcomes stored before the transaction; those of earlier pushes in it are in known.recorded.
  known.rows = await answered(
    trx,
    u.mutations.slice(u.next, end).map((m) => m.id),
  );
  // The first may be a logged call (its live call ended already); any later one starts a run of its own.
  for (let i = u.next; i < end && (i === u.next || !u.outsideTransaction(u.mutations[i]!)); i++) {
    try {
      u.results.push(await applyOne(trx, u.user, u.mutations[i]!, u.now(), u.deviceId, u.departments, known));
      u.next = i + 1;
    } catch (err) {
      if (err instanceof TransactionBroken) throw err.error;
      // What went before commits; the failing mutation was rolled back to its savepoint.
      u.unexpected = err;
      return;
    }
  }
}

/** A refusal found before the mutation's transaction (a logged call the voice service would not end). */
async function refuseOne(
  trx: Tx,
  user: User,
  m: Mutation,
  at: Date,
  e: SwitchboardError,
): Promise<MutationResult> {
  const previous = await replay(trx, user, m.id);
  if (previous) return previous;
  const r: MutationResult = { id: m.id, status: 'rejected', error: { code: e.code, message: e.message } };
  const recorder = new Recorder();
  recorder.add(user, m, r, at);
  await recorder.flush(trx);
  return r;
}

import express, { type Request } from 'express';
import { sql } from 'kysely';
import { parseOrThrow, SwitchboardError, type User } from '../../shared';
import { ticketFromColumns } from '../../shared/storage/columns';
import {
  TRIAGE_REST,
  TriageAccuracyQuery,
  TriageSettings,
  type TriageAccuracy,
  type TriageConfirmResponse,
  type TriageModelResponse,
  type TriageQueue,
} from '../../shared/triage/api';
import { writeAudit } from '../audit/audit-log';
import { inScope, scopeOf } from '../auth/scope';
import type { Db } from '../db/schema';
import { ticketInScope } from '../tickets/ticket-mutations';
import { saveTicket } from '../tickets/ticket-store';
import { infoOf, listModels, newestModel } from './model-store';
import { getTriageSettings, putTriageSettings } from './settings';
import type { TriageService } from './triage-service';

const FIELDS = ['department', 'category', 'priority'] as const;

/** Team leads and supervisors see their own department, administrators every one (or the one they ask for). */
function departmentsOf(user: User, asked: string | undefined): string[] | null {
  if (user.role === 'agent') {
    throw new SwitchboardError(
      'forbidden',
      'Triage accuracy is for team leads, supervisors and administrators.',
    );
  }
  if (user.role === 'admin') return asked ? [asked] : null;
  if (!user.departmentId) throw new SwitchboardError('forbidden', 'You belong to no department.');
  if (asked && asked !== user.departmentId) {
    throw new SwitchboardError('forbidden', "You may see your own department's triage accuracy only.");
  }
  return [user.departmentId];
}

const ratio = (predictions: number, corrections: number) =>
  predictions > 0 ? Math.max(0, Math.round((1 - corrections / predictions) * 10_000) / 10_000) : null;

/** /api/triage/*: the model for offline triage, settings, retraining, accuracy, the queue and confirmation. */
export function triageRouter(deps: {
  db: Db;
  now: () => Date;
  triage: TriageService;
  bearerUser: (req: Request) => Promise<User>;
  /** Tells a department's desktops to pull (a confirmed ticket changed). */
  poke: (departments: string[]) => void;
}): express.Router {
  const { db, now } = deps;
  const r = express.Router();

  r.get(TRIAGE_REST.model, async (req, res) => {
    await deps.bearerUser(req);
    const m = await newestModel(db);
    if (!m) throw new SwitchboardError('not_found', 'No triage model has been trained yet.');
    const etag = `"triage-v${m.version}"`;
    res.set('etag', etag).set('cache-control', 'no-cache');
    if (req.get('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    const body: TriageModelResponse = { ...infoOf(m), model: JSON.parse(m.model) as unknown };
    res.json(body);
  });

  r.get(TRIAGE_REST.models, async (req, res) => {
    const user = await deps.bearerUser(req);
    departmentsOf(user, undefined);
    res.set('cache-control', 'no-store').json({ models: await listModels(db) });
  });

  r.post(TRIAGE_REST.retrain, async (req, res) => {
    const user = await deps.bearerUser(req);
    if (user.role !== 'supervisor' && user.role !== 'admin') {
      throw new SwitchboardError(
        'forbidden',
        'Retraining the triage model is for supervisors and administrators.',
      );
    }
    const info = await deps.triage.retrain(user);
    if (!info) {
      throw new SwitchboardError('conflict', 'Another service node stored a new model just now; try again.');
    }
    res.status(201).json(info);
  });

  r.get(TRIAGE_REST.settings, async (req, res) => {
    await deps.bearerUser(req);
    res.set('cache-control', 'no-store').json(await getTriageSettings(db));
  });

  r.put(TRIAGE_REST.settings, async (req, res) => {
    const user = await deps.bearerUser(req);
    if (user.role !== 'admin') {
      throw new SwitchboardError('forbidden', 'Only administrators change the triage settings.');
    }
    const next = parseOrThrow(TriageSettings, req.body, 'triage settings');
    await db.transaction().execute(async (trx) => {
      const before = await getTriageSettings(trx);
      await putTriageSettings(trx, next);
      await writeAudit(trx, {
        at: now().toISOString(),
        actorId: user.id,
        action: 'triage.settings',
        subjectId: null,
        detail: { before, after: next },
      });
    });
    res.json(next);
  });

  r.get(TRIAGE_REST.accuracy, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(TriageAccuracyQuery, req.query, 'triage accuracy period');
    const departments = departmentsOf(user, q.departmentId);
    const from = `${q.from}T00:00:00.000Z`;
    const to = new Date(Date.parse(`${q.to}T00:00:00.000Z`) + 86_400_000).toISOString();
    const day = sql<string>`substr(t.created_at, 1, 10)`;
    const predicted = await db
      .selectFrom('tickets as t')
      .select([day.as('day'), 't.triage_version as version', (eb) => eb.fn.countAll<number>().as('n')])
      .where('t.triage_version', 'is not', null)
      .where('t.deleted_at', 'is', null)
      .where('t.created_at', '>=', from)
      .where('t.created_at', '<', to)
      .$if(departments !== null, (b) => b.where('t.department_id', 'in', departments!))
      .groupBy([day, 't.triage_version'])
      .execute();
    const corrected = await db
      .selectFrom('triage_corrections as c')
      .innerJoin('tickets as t', 't.id', 'c.ticket_id')
      .select([
        day.as('day'),
        'c.model_version as version',
        'c.field',
        (eb) => eb.fn.count<number>('c.ticket_id').distinct().as('n'),
      ])
      .where('t.deleted_at', 'is', null)
      .where('t.created_at', '>=', from)
      .where('t.created_at', '<', to)
      .$if(departments !== null, (b) => b.where('t.department_id', 'in', departments!))
      .groupBy([day, 'c.model_version', 'c.field'])
      .execute();
    const byDay = new Map<string, { p: number; c: Record<string, number> }>();
    const byVersion = new Map<number, { p: number; c: Record<string, number> }>();
    const slot = <K>(m: Map<K, { p: number; c: Record<string, number> }>, k: K) => {
      let s = m.get(k);
      if (!s) m.set(k, (s = { p: 0, c: {} }));
      return s;
    };
    for (const row of predicted) {
      slot(byDay, row.day).p += Number(row.n);
      slot(byVersion, Number(row.version)).p += Number(row.n);
    }
    for (const row of corrected) {
      const d = slot(byDay, row.day).c;
      d[row.field] = (d[row.field] ?? 0) + Number(row.n);
      const v = slot(byVersion, Number(row.version)).c;
      v[row.field] = (v[row.field] ?? 0) + Number(row.n);
    }
    const counts = (s: { p: number; c: Record<string, number> }) =>
      FIELDS.map((field) => ({
        field,
        predictions: s.p,
        corrections: Math.min(s.p, s.c[field] ?? 0),
        accuracy: ratio(s.p, s.c[field] ?? 0),
      }));
    const body: TriageAccuracy = {
      days: [...byDay.keys()].sort().flatMap((d) => counts(byDay.get(d)!).map((c) => ({ day: d, ...c }))),
      versions: [...byVersion.keys()]
        .sort((a, b) => a - b)
        .flatMap((v) => counts(byVersion.get(v)!).map((c) => ({ modelVersion: v, ...c }))),
    };
    res.set('cache-control', 'no-store').json(body);
  });

  r.get(TRIAGE_REST.queue, async (req, res) => {
    const user = await deps.bearerUser(req);
    const scope = scopeOf(user);
    const rows = await db
      .selectFrom('tickets')
      .selectAll()
      .where('triage_review', '=', 1)
      .where('deleted_at', 'is', null)
      .$if(!scope.all, (b) => b.where('department_id', '=', user.departmentId!))
      .orderBy('created_at')
      .limit(500)
      .execute();
    const body: TriageQueue = { tickets: rows.map(ticketFromColumns) };
    res.set('cache-control', 'no-store').json(body);
  });

  r.post(TRIAGE_REST.confirm, async (req, res) => {
    const user = await deps.bearerUser(req);
    const ticketId = String(req.params.ticketId);
    const at = now().toISOString();
    const ticket = await db.transaction().execute(async (trx) => {
      const t = await ticketInScope(trx, user, ticketId);
      if (!inScope(scopeOf(user), t.departmentId) || !t.triage) {
        throw new SwitchboardError('bad_request', 'This ticket has no prediction to confirm.');
      }
      if (!t.triage.needsReview) return t;
      const next = { ...t, triage: { ...t.triage, needsReview: false }, updatedAt: at };
      const version = await saveTicket(trx, next);
      await writeAudit(trx, {
        at,
        actorId: user.id,
        action: 'triage.confirm',
        subjectId: t.id,
        detail: { modelVersion: t.triage.modelVersion },
      });
      return { ...next, version };
    });
    deps.poke([ticket.departmentId]);
    const body: TriageConfirmResponse = { ticket };
    res.json(body);
  });

  return r;
}

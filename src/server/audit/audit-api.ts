import express, { type Request, type Response } from 'express';
import {
  AUDIT_REST,
  AuditExportFormat,
  AuditQuery,
  parseOrThrow,
  SwitchboardError,
  type AuditPage,
  type AuditRecord,
  type AuditVerifyReport,
  type User,
} from '../../shared';
import type { Database, Db } from '../db/schema';
import { requireRights } from '../auth/rights';
import { writeAudit } from './audit-log';
import type { AuditChainer } from './chainer';
import type { AuditSigner } from './keys';
import { verifyChain } from './verify';

type Row = Database['audit_log'];

function requireAdmin(user: User): void {
  if (user.role !== 'admin')
    throw new SwitchboardError('forbidden', 'Only administrators see the audit trail.');
}

const toRecord = (r: Row): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actorId: r.actor_id,
  source: r.source,
  action: r.action,
  subjectId: r.subject_id,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
});

/** The chain's records matching `q` (chained ones only: pending records are chained within a second or so). */
function filtered(db: Db, q: Omit<AuditQuery, 'limit' | 'before'>) {
  let s = db.selectFrom('audit_log').selectAll();
  if (q.actor) s = s.where('actor_id', '=', q.actor);
  if (q.subject) s = s.where('subject_id', '=', q.subject);
  if (q.action?.endsWith('*')) {
    const prefix = q.action.slice(0, -1);
    // A range rather than LIKE: no wildcard in the prefix can widen it, and the (action, seq) index serves it.
    s = s.where('action', '>=', prefix).where('action', '<', `${prefix}\uffff`);
  } else if (q.action) s = s.where('action', '=', q.action);
  // Stored times are ISO UTC text (…Z): compared as text they sort as times.
  if (q.from) s = s.where('at', '>=', new Date(q.from).toISOString());
  if (q.to) s = s.where('at', '<', new Date(q.to).toISOString());
  return s;
}

export async function searchAudit(db: Db, q: AuditQuery): Promise<AuditPage> {
  let s = filtered(db, q);
  if (q.before) s = s.where('seq', '<', q.before);
  const rows = await s
    .orderBy('seq', 'desc')
    .limit(q.limit + 1)
    .execute();
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const ids = [...new Set(page.flatMap((r) => (r.actor_id ? [r.actor_id] : [])))];
  const users = ids.length
    ? await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute()
    : [];
  return {
    records: page.map(toRecord),
    nextBefore: more ? page.at(-1)!.seq : null,
    actors: Object.fromEntries(users.map((u) => [u.id, u.display_name])),
  };
}

/** A CSV cell; text a spreadsheet would run as a formula (= + - @) is prefixed with ' (OWASP CSV injection). */
function cell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const EXPORT_PAGE = 5000;
export const CSV_HEADER = 'seq,at,actor_id,source,action,subject_id,detail,hash\n';

/** Streams every matching record, oldest first, page by page: memory stays flat for any range. */
async function streamExport(
  db: Db,
  q: Omit<AuditQuery, 'limit' | 'before'>,
  format: AuditExportFormat,
  res: Response,
): Promise<void> {
  const write = (chunk: string) =>
    res.write(chunk) ? Promise.resolve() : new Promise<void>((r) => res.once('drain', () => r()));
  await write(format === 'csv' ? CSV_HEADER : '[');
  let after = 0;
  let first = true;
  for (;;) {
    const rows = await filtered(db, q).where('seq', '>', after).orderBy('seq').limit(EXPORT_PAGE).execute();
    if (rows.length === 0) break;
    let out = '';
    for (const r of rows) {
      if (format === 'csv')
        out += `${[r.seq, r.at, r.actor_id, r.source, r.action, r.subject_id, r.detail, r.hash].map(cell).join(',')}\n`;
      else {
        // detail is stored JSON text: embedded as it is, never parsed and re-serialised.
        const { detail, ...rest } = r;
        const head = JSON.stringify({
          seq: rest.seq,
          at: rest.at,
          actorId: rest.actor_id,
          source: rest.source,
          action: rest.action,
          subjectId: rest.subject_id,
          hash: rest.hash,
        });
        out += `${first ? '' : ','}\n${head.slice(0, -1)},"detail":${detail}}`;
        first = false;
      }
    }
    await write(out);
    after = rows.at(-1)!.seq;
    if (rows.length < EXPORT_PAGE) break;
  }
  if (format === 'json') await write('\n]\n');
  res.end();
}

/** The admin audit API: verify, search, export (itself audited), and the public key for anyone. */
export function auditRouter(deps: {
  db: Db;
  chainer: AuditChainer;
  signer: AuditSigner;
  bearerUser: (req: Request) => Promise<User>;
  now: () => Date;
}): express.Router {
  const { db, chainer, signer } = deps;
  const r = express.Router();

  r.get(AUDIT_REST.publicKey, (_req, res) => {
    res.json({
      keyId: signer.keyId,
      pem: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
  });

  r.get(AUDIT_REST.verify, async (req, res) => {
    requireAdmin(await deps.bearerUser(req));
    await chainer.chainNow();
    const report: AuditVerifyReport = await verifyChain(db, {
      publicKey: signer.publicKey,
      anchorsPath: signer.anchorsPath ?? undefined,
    });
    res.set('cache-control', 'no-store').json(report);
  });

  r.get(AUDIT_REST.records, async (req, res) => {
    requireAdmin(await deps.bearerUser(req));
    const q = parseOrThrow(AuditQuery, req.query, 'audit search');
    await chainer.chainNow();
    res.set('cache-control', 'no-store').json(await searchAudit(db, q));
  });

  r.get(AUDIT_REST.export, async (req, res) => {
    const user = await deps.bearerUser(req);
    requireAdmin(user);
    // Admins hold every right today; the check keeps export behind its right if the audit view opens to others.
    await requireRights(deps.db, user, ['export']);
    const { format: rawFormat, ...rest } = req.query;
    const format = parseOrThrow(AuditExportFormat, rawFormat ?? 'csv', 'export format');
    const { limit: _l, before: _b, ...q } = parseOrThrow(AuditQuery, rest, 'audit export');
    // Recorded before a byte goes out: an export cut short was still made.
    await db.transaction().execute((trx) =>
      writeAudit(trx, {
        at: deps.now().toISOString(),
        actorId: user.id,
        source: req.socket.remoteAddress ?? null,
        action: 'audit.export',
        subjectId: null,
        detail: { format, filters: q },
      }),
    );
    await chainer.chainNow();
    const stamp = deps.now().toISOString().replace(/[:.]/g, '-');
    res
      .status(200)
      .set('cache-control', 'no-store')
      .set('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .set('content-disposition', `attachment; filename="audit-${stamp}.${format}"`);
    await streamExport(db, q, format, res);
  });

  return r;
}

import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parseOrThrow, SwitchboardError, type User } from '../../shared';
import {
  CallRatingLinkInput,
  ChatRatingInput,
  CsatScore,
  REPORTS_REST,
  ReportQuery,
  type CallRatingLink,
  type ReportResult,
} from '../../shared/protocol/reports';
import { writeAudit } from '../audit/audit-log';
import { ChatService, hashToken as hashVisitorToken } from '../chat/chat-service';
import { getSite, latestSession, visitorByTokenHash } from '../chat/chat-store';
import { serviceOrigins } from '../chat/visitor-socket';
import { appendChange } from '../db/change-log';
import type { Db } from '../db/schema';
import type { ReportAggregator } from './aggregator';
import { ratePage, rateThanks } from './rate-page';
import { labelsOf, rangeOf, reportCsv, reportDepartments, runReport } from './report-query';
import { qualityTotals } from '../quality'; // quality review (issue 15)

/** How long a call's rating link stays usable. */
export const RATING_LINK_DAYS = 7;

const hashLink = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ReportsDeps {
  db: Db;
  aggregator: ReportAggregator;
  bearerUser: (req: Request) => Promise<User>;
  now: () => Date;
  /** The service's IANA time zone: the days and hours of every report. */
  timeZone: string;
  /** Called with the department whose replicas should pull (a rating changed a call record). */
  poke?: (departments: string[]) => void;
}

/**
 * Reports over REST (supervisors their department, administrators all; agents none), their CSV export (each
 * recorded in the audit log), and customer satisfaction: a one-time link for a call's customer and the chat
 * widget's rating when a chat has ended.
 */
export function reportsRouter(deps: ReportsDeps): express.Router {
  const { db, aggregator } = deps;
  const r = express.Router();

  async function report(req: Request): Promise<{ user: User; result: ReportResult }> {
    const user = await deps.bearerUser(req);
    const { lang: _lang, ...rest } = req.query;
    const q = parseOrThrow(ReportQuery, rest, 'report');
    const departments = await reportDepartments(db, user, q.departmentId);
    await aggregator.catchUp();
    const result = await runReport(db, q, departments, deps.timeZone);
    // Quality review (issue 15): scores and findings per agent or department of the same period.
    if (q.dimension === 'agent' || q.dimension === 'department') {
      const { startMs, endMs } = rangeOf(q, deps.timeZone);
      const quality = await qualityTotals(
        db,
        departments,
        new Date(startMs).toISOString(),
        new Date(endMs).toISOString(),
        q.dimension,
      );
      const missing = quality.map((x) => x.key).filter((k) => !result.labels[k]);
      if (missing.length > 0) Object.assign(result.labels, await labelsOf(db, q.dimension, missing));
      return {
        user,
        result: { ...result, quality, asOf: (aggregator.lastCaughtUp ?? deps.now()).toISOString() },
      };
    }
    return { user, result: { ...result, asOf: (aggregator.lastCaughtUp ?? deps.now()).toISOString() } };
  }

  r.get(REPORTS_REST.report, async (req, res) => {
    const { result } = await report(req);
    res.set('cache-control', 'no-store').json(result);
  });

  r.get(REPORTS_REST.export, async (req, res) => {
    const { user, result } = await report(req);
    const language = req.query.lang === 'zh' ? 'zh' : 'en';
    // Recorded before the file goes out: an export cut short was still made.
    await db.transaction().execute((trx) =>
      writeAudit(trx, {
        at: deps.now().toISOString(),
        actorId: user.id,
        source: req.socket.remoteAddress ?? null,
        action: 'report.export',
        subjectId: null,
        detail: {
          interval: result.interval,
          dimension: result.dimension,
          from: result.from,
          to: result.to,
          departments: result.departments,
          timeZone: result.timeZone,
          rows: result.rows.length,
        },
      }),
    );
    const name = `report-${result.dimension}-${result.interval}-${result.from}-${result.to}.csv`;
    res
      .status(200)
      .set('cache-control', 'no-store')
      .set('content-type', 'text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="${name}"`)
      .send(reportCsv(result, language));
  });

  r.post(REPORTS_REST.callRatingLink, async (req, res) => {
    const user = await deps.bearerUser(req);
    const { interactionId } = parseOrThrow(CallRatingLinkInput, req.body, 'rating link');
    const call = await db
      .selectFrom('interactions')
      .select(['id', 'department_id', 'agent_id', 'answer_at', 'csat'])
      .where('id', '=', interactionId)
      .executeTakeFirst();
    const mayAsk =
      call &&
      (call.agent_id === user.id ||
        user.role === 'admin' ||
        (user.role !== 'agent' && user.departmentId === call.department_id));
    if (!call || !mayAsk) throw new SwitchboardError('not_found', 'No such call of yours.');
    if (!call.answer_at)
      throw new SwitchboardError('bad_request', 'Only a call that was answered can be rated.');
    if (call.csat !== null)
      throw new SwitchboardError('conflict', 'The customer has rated this call already.');
    const token = randomBytes(24).toString('base64url');
    const at = deps.now();
    const expiresAt = new Date(at.getTime() + RATING_LINK_DAYS * 86_400_000).toISOString();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('report_rating_links')
        .values({
          token_hash: hashLink(token),
          interaction_id: call.id,
          created_by: user.id,
          created_at: at.toISOString(),
          expires_at: expiresAt,
          used_at: null,
        })
        .execute();
      await writeAudit(trx, {
        at: at.toISOString(),
        actorId: user.id,
        source: req.socket.remoteAddress ?? null,
        action: 'csat.link',
        subjectId: call.id,
        detail: { expiresAt },
      });
    });
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const body: CallRatingLink = { url: `${base}${REPORTS_REST.ratePage}/${token}`, expiresAt };
    res.status(201).json(body);
  });

  /** The link's call if the link is usable: known, not expired, not used. */
  async function linkOf(token: string) {
    const link = await db
      .selectFrom('report_rating_links')
      .selectAll()
      .where('token_hash', '=', hashLink(token))
      .executeTakeFirst();
    if (!link) return { state: 'unknown' as const };
    if (link.used_at) return { state: 'used' as const };
    if (link.expires_at < deps.now().toISOString()) return { state: 'expired' as const };
    return { state: 'open' as const, link };
  }

  const page = (res: Response, status: number, html: string) =>
    res
      .status(status)
      .set('content-type', 'text/html; charset=utf-8')
      .set('cache-control', 'no-store')
      .set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .set('referrer-policy', 'no-referrer')
      .set('x-frame-options', 'DENY')
      .send(html);

  r.get(`${REPORTS_REST.ratePage}/:token`, async (req, res) => {
    const found = await linkOf(String(req.params.token));
    if (found.state !== 'open')
      return page(res, found.state === 'unknown' ? 404 : 410, rateThanks(found.state));
    page(res, 200, ratePage(`${REPORTS_REST.ratePage}/${encodeURIComponent(String(req.params.token))}`));
  });

  r.post(
    `${REPORTS_REST.ratePage}/:token`,
    express.urlencoded({ extended: false, limit: '1kb' }),
    async (req, res) => {
      const score = CsatScore.safeParse(Number((req.body as { score?: unknown } | undefined)?.score));
      const token = String(req.params.token);
      if (!score.success)
        return page(res, 400, ratePage(`${REPORTS_REST.ratePage}/${encodeURIComponent(token)}`, true));
      const at = deps.now().toISOString();
      const department = await db.transaction().execute(async (trx) => {
        const link = await trx
          .updateTable('report_rating_links')
          .set({ used_at: at })
          .where('token_hash', '=', hashLink(token))
          .where('used_at', 'is', null)
          .where('expires_at', '>=', at)
          .returning('interaction_id')
          .executeTakeFirst();
        if (!link) return null;
        const call = await trx
          .selectFrom('interactions')
          .select(['id', 'department_id'])
          .where('id', '=', link.interaction_id)
          .executeTakeFirst();
        if (!call) return null;
        await trx
          .updateTable('interactions')
          .set({ csat: score.data, csat_at: at })
          .where('id', '=', call.id)
          .where('csat', 'is', null)
          .execute();
        // The record changed: replicas pull it, and the reports' follower moves its figures.
        await appendChange(trx, 'interaction', call.id, call.department_id);
        await writeAudit(trx, {
          at,
          actorId: null,
          source: req.socket.remoteAddress ?? null,
          action: 'csat.rate',
          subjectId: call.id,
          detail: { channel: 'voice', score: score.data },
        });
        return call.department_id;
      });
      if (!department) return page(res, 410, rateThanks('used'));
      deps.poke?.([department]);
      page(res, 200, rateThanks('thanks'));
    },
  );

  // The chat widget's rating, from the visitor's page: CORS for the site's allowed origins only.
  async function chatSite(req: Request, res: Response) {
    const siteId = typeof req.query.site === 'string' ? req.query.site : '';
    const site = siteId ? await getSite(db, siteId) : undefined;
    const origin = req.get('origin');
    if (!site || !ChatService.originAllowed(site, origin, serviceOrigins(req))) return undefined;
    res.set('access-control-allow-origin', origin!).set('vary', 'Origin');
    return site;
  }

  r.options(REPORTS_REST.chatRating, async (req, res) => {
    if (await chatSite(req, res))
      res
        .set('access-control-allow-methods', 'POST')
        .set('access-control-allow-headers', 'authorization, content-type')
        .set('access-control-max-age', '600');
    res.set('vary', 'Origin').status(204).end();
  });

  r.post(REPORTS_REST.chatRating, async (req, res) => {
    const site = await chatSite(req, res);
    if (!site)
      return res
        .status(403)
        .json({ code: 'origin_not_allowed', message: 'This page may not use this chat site.' });
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const visitor = token ? await visitorByTokenHash(db, hashVisitorToken(token)) : undefined;
    if (!visitor || visitor.site_id !== site.id)
      return res
        .status(401)
        .json({ code: 'unauthenticated', message: 'This chat is not known here any more.' });
    const input = ChatRatingInput.safeParse(req.body);
    if (!input.success)
      return res
        .status(400)
        .json({ code: 'bad_request', message: 'A rating is a whole number from 1 to 5.' });
    const at = deps.now().toISOString();
    const rated = await db.transaction().execute(async (trx) => {
      const session = await latestSession(trx, visitor.id);
      if (!session || session.state !== 'ended') return null;
      const rec = await trx
        .selectFrom('chat_interactions')
        .select(['id', 'department_id', 'csat'])
        .where('session_id', '=', session.id)
        .executeTakeFirst();
      if (!rec || rec.csat !== null) return null;
      await trx
        .updateTable('chat_interactions')
        .set({ csat: input.data.score, csat_at: at })
        .where('id', '=', rec.id)
        .execute();
      await appendChange(trx, 'chat', rec.id, rec.department_id);
      await writeAudit(trx, {
        at,
        actorId: null,
        source: req.socket.remoteAddress ?? null,
        action: 'csat.rate',
        subjectId: rec.id,
        detail: { channel: 'chat', score: input.data.score },
      });
      return rec.department_id;
    });
    if (!rated)
      return res
        .status(409)
        .json({ code: 'bad_request', message: 'There is no ended chat to rate, or it was rated already.' });
    deps.poke?.([rated]);
    res.status(204).end();
  });

  return r;
}

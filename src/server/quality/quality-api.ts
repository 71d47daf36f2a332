import express, { type Request } from 'express';
import { parseOrThrow, type User } from '../../shared';
import {
  QUALITY_REST,
  QualityAcknowledgeInput,
  QualityConfigQuery,
  QualityContactRef,
  QualityPeriod,
  QualityQueueQuery,
  QualityReviewInput,
  QualityRuleInput,
  QualitySettingsInput,
} from '../../shared/quality';
import type { QualityService } from './quality-service';

/** /api/quality/*: quality review (quality-service.ts says who may do what). */
export function qualityRouter(deps: {
  quality: QualityService;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const { quality } = deps;
  const r = express.Router();
  const source = (req: Request) => req.socket.remoteAddress ?? null;
  const send = (res: express.Response, body: unknown) => res.set('cache-control', 'no-store').json(body);
  r.get(QUALITY_REST.config, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(QualityConfigQuery, req.query, 'quality configuration query');
    send(res, await quality.config(user, q.departmentId));
  });
  r.put(QUALITY_REST.rule, async (req, res) => {
    const user = await deps.bearerUser(req);
    const input = parseOrThrow(QualityRuleInput, req.body, 'quality rule');
    send(res, await quality.saveRule(user, input, source(req)));
  });
  r.put(QUALITY_REST.settings, async (req, res) => {
    const user = await deps.bearerUser(req);
    const input = parseOrThrow(QualitySettingsInput, req.body, 'rubric and sampling');
    send(res, await quality.saveSettings(user, input, source(req)));
  });
  r.post(QUALITY_REST.recheck, async (req, res) => {
    const user = await deps.bearerUser(req);
    const p = parseOrThrow(QualityPeriod, req.body, 'period');
    send(res, { contacts: await quality.recheck(user, p, source(req)) });
  });
  r.post(QUALITY_REST.sample, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(QualityConfigQuery.partial(), req.body ?? {}, 'sample request');
    send(res, { contacts: await quality.sample(user, q.departmentId) });
  });
  r.get(QUALITY_REST.queue, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(QualityQueueQuery, req.query, 'review queue query');
    send(res, await quality.queue(user, q));
  });
  r.get(QUALITY_REST.contact, async (req, res) => {
    const user = await deps.bearerUser(req);
    const ref = parseOrThrow(QualityContactRef, req.query, 'contact');
    send(res, await quality.contact(user, ref));
  });
  r.post(QUALITY_REST.review, async (req, res) => {
    const user = await deps.bearerUser(req);
    const input = parseOrThrow(QualityReviewInput, req.body, 'review');
    send(res, await quality.review(user, input, source(req)));
  });
  r.get(QUALITY_REST.mine, async (req, res) => {
    const user = await deps.bearerUser(req);
    send(res, await quality.mine(user));
  });
  r.post(QUALITY_REST.acknowledge, async (req, res) => {
    const user = await deps.bearerUser(req);
    const input = parseOrThrow(QualityAcknowledgeInput, req.body, 'acknowledgement');
    send(res, await quality.acknowledge(user, input.reviewId, source(req)));
  });
  return r;
}

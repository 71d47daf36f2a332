import express, { type Request } from 'express';
import { parseOrThrow, type User } from '../../shared';
import { VOC_REST, VocContactsQuery, VocQuery } from '../../shared/protocol/voc';
import type { VocService } from './voc-service';

/** /api/voc/*: the voice-of-the-customer report (voc-service.ts says who sees what). */
export function vocRouter(deps: {
  voc: VocService;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const r = express.Router();
  r.get(VOC_REST.summary, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(VocQuery, req.query, 'voice-of-the-customer period');
    res.set('cache-control', 'no-store').json(await deps.voc.summary(user, q));
  });
  r.get(VOC_REST.contacts, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(VocContactsQuery, req.query, 'topic contacts');
    res.set('cache-control', 'no-store').json(await deps.voc.contacts(user, q));
  });
  return r;
}

import express, { type Request } from 'express';
import { Id, parseOrThrow, type User } from '../../shared';
import {
  KB_REST,
  KbAction,
  KbActionRequest,
  KbPublicSearchRequest,
  KbSearchRequest,
  type KbPublicSearchResponse,
} from '../../shared/kb';
import type { KbService } from './kb-service';

/**
 * /api/kb/*: every signed-in user searches and reads (within what they may see, kb-service.ts); supervisors and
 * administrators write. GET /api/public/kb/search: no sign-in, published public articles only, rate-limited per
 * client address.
 */
export function kbRouter(deps: {
  kb: KbService;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const { kb } = deps;
  const r = express.Router();
  const no = (res: express.Response) => res.set('cache-control', 'no-store');
  const id = (req: Request) => parseOrThrow(Id, req.params.id, 'article id');
  const source = (req: Request) => req.socket.remoteAddress ?? undefined;

  r.get(KB_REST.categories, async (req, res) => {
    await deps.bearerUser(req);
    no(res).json(await kb.categories());
  });

  const categoryId = (req: Request) => parseOrThrow(Id, req.params.id, 'category id');
  r.post(KB_REST.categories, async (req, res) => {
    const user = await deps.bearerUser(req);
    res.status(201).json(await kb.createCategory(user, req.body, source(req)));
  });
  r.post(KB_REST.category(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    res.json(await kb.renameCategory(user, categoryId(req), req.body, source(req)));
  });
  r.post(KB_REST.categoryDelete(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    await kb.deleteCategory(user, categoryId(req), source(req));
    res.json({});
  });

  r.get(KB_REST.search, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(KbSearchRequest, req.query, 'knowledge-base search');
    no(res).json(await kb.search(user, q));
  });

  r.get(KB_REST.article(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    no(res).json(await kb.read(user, id(req)));
  });

  r.post(KB_REST.articles, async (req, res) => {
    const user = await deps.bearerUser(req);
    res.status(201).json(await kb.create(user, req.body, source(req)));
  });

  r.post(KB_REST.article(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    res.json(await kb.edit(user, id(req), req.body, source(req)));
  });

  r.post(KB_REST.action(':id', ':action'), async (req, res) => {
    const user = await deps.bearerUser(req);
    const action = parseOrThrow(KbAction, req.params.action, 'article action');
    const { baseVersion } = parseOrThrow(KbActionRequest, req.body ?? {}, 'article action');
    res.json(await kb.act(user, id(req), action, baseVersion, source(req)));
  });

  r.get(KB_REST.publicSearch, async (req, res) => {
    const q = parseOrThrow(KbPublicSearchRequest, req.query, 'search');
    // The peer address, not X-Forwarded-For, which anyone can write (as sign-in throttling does).
    const hits = await kb.searchPublicArticles(q.q, q.lang, {
      rateKey: `ip:${req.socket.remoteAddress ?? 'unknown'}`,
      limit: q.limit,
    });
    const body: KbPublicSearchResponse = { hits };
    // Published public articles, no credentials: readable by the widget on any customer's site (a simple GET, so
    // no preflight). The rate limit, not the origin, is what guards it.
    no(res).set('access-control-allow-origin', '*').json(body);
  });

  return r;
}

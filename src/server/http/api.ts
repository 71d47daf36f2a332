import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  ChangePasswordRequest,
  ErrorCode,
  Id,
  LoginRequest,
  LogoutRequest,
  parseOrThrow,
  RefreshRequest,
  REST,
  SwitchboardError,
  TicketDeleteRequest,
  type ErrorBody,
  type User,
} from '../../shared';
import type { AuthService } from '../auth/auth-service';
import { seesInternalNotes } from '../auth/rights';
import { inScope, scopeOf } from '../auth/scope';
import { streamHead } from '../db/change-log';
import type { Db } from '../db/schema';
import { applyPush } from '../sync/push';
import { deletedError, deletedTicket, getTicket, listComments, listHistory } from '../tickets/ticket-store';
import { errorBody } from './error-body';
import { httpStatus } from './status';

function bearerToken(req: Request): string {
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  if (!token) throw new SwitchboardError('unauthenticated', 'Sign in first: no access token was sent.');
  return token;
}

export async function bearerUser(auth: AuthService, req: Request): Promise<User> {
  return (await auth.authenticate(bearerToken(req))).user;
}

/** express.json's own failures carry a `type`; they are the client's fault, not ours. */
function bodyParserError(err: unknown): ErrorBody | null {
  const type =
    typeof err === 'object' && err !== null && 'type' in err ? (err as { type: unknown }).type : null;
  if (type === 'entity.parse.failed')
    return { code: 'bad_request', message: 'The request body is not valid JSON.' };
  if (type === 'entity.too.large') return { code: 'bad_request', message: 'The request body is too large.' };
  return null;
}

/** The REST part of the service: sign-in, health and single-record reads. */
export function createApi(deps: {
  db: Db;
  auth: AuthService;
  log: (line: string) => void;
  /** More routes under /api (voice), mounted before the catch-all 404. */
  routers?: express.Router[];
  now?: () => Date;
  /** Tells the replicas of these departments to pull (a ticket deleted here). */
  poke?: (departmentIds: string[]) => void;
}) {
  const { db, auth, log } = deps;
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));

  app.get(REST.health, async (_req, res) => {
    res.json({ ok: true, version: await streamHead(db) });
  });

  app.post(REST.login, async (req, res) => {
    const body = parseOrThrow(LoginRequest, req.body, 'sign-in request');
    // The peer address, not X-Forwarded-For: a header anyone can write would let a guesser pick its address.
    res.json(await auth.login(body.username, body.password, req.socket.remoteAddress));
  });

  app.post(REST.refresh, async (req, res) => {
    const body = parseOrThrow(RefreshRequest, req.body, 'refresh request');
    res.json(await auth.refresh(body.refreshToken, req.socket.remoteAddress));
  });

  app.post(REST.logout, async (req, res) => {
    const body = parseOrThrow(LogoutRequest, req.body, 'sign-out request');
    await auth.logout(body.refreshToken);
    res.json({});
  });

  app.post(REST.password, async (req, res) => {
    const token = bearerToken(req);
    const body = parseOrThrow(ChangePasswordRequest, req.body, 'password change');
    res
      .set('cache-control', 'no-store')
      .json(
        await auth.changePassword(token, body.currentPassword, body.newPassword, req.socket.remoteAddress),
      );
  });

  app.get(REST.ticket(':id'), async (req, res) => {
    const user = await bearerUser(auth, req);
    const id = parseOrThrow(Id, req.params.id, 'ticket id');
    const ticket = await getTicket(db, id);
    // Out of scope looks exactly like absent, so ids cannot be probed across departments.
    if (!ticket || !inScope(scopeOf(user), ticket.departmentId)) {
      const deleted = ticket ? undefined : await deletedTicket(db, id);
      if (deleted && inScope(scopeOf(user), deleted.departmentId)) throw deletedError(deleted);
      throw new SwitchboardError('not_found', 'No such ticket in your department.');
    }
    const notes = await seesInternalNotes(db, user);
    const comments = (await listComments(db, id)).filter((c) => notes || !c.internal);
    res.json({ ticket, comments, history: await listHistory(db, id) });
  });

  // The same mutation a desktop pushes (one path for rights, scope, conflicts and the audit record), under a
  // mutation id the caller may give so that a retried request is answered as the first was.
  app.delete(REST.ticket(':id'), async (req, res) => {
    const user = await bearerUser(auth, req);
    const ticketId = parseOrThrow(Id, req.params.id, 'ticket id');
    const body = parseOrThrow(
      TicketDeleteRequest.extend({ mutationId: Id.optional() }),
      req.body ?? {},
      'ticket deletion',
    );
    const { mutationId, ...rest } = body;
    const { results, departments } = await applyPush(
      db,
      user,
      [{ id: mutationId ?? randomUUID(), name: 'ticket.delete', args: { ticketId, ...rest } }],
      now,
    );
    const r = results[0]!;
    if (r.status === 'rejected') {
      throw new SwitchboardError(ErrorCode.catch('internal').parse(r.error?.code), r.error?.message ?? '');
    }
    if (departments.size > 0) deps.poke?.([...departments]);
    res.json({ version: r.version });
  });

  for (const r of deps.routers ?? []) app.use(r);

  app.use('/api', () => {
    throw new SwitchboardError('not_found', 'No such API endpoint.');
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const body = bodyParserError(err) ?? errorBody(err, log);
    if (body.retryAfterSeconds !== undefined) res.set('retry-after', String(body.retryAfterSeconds));
    res.status(httpStatus[body.code]).json(body);
  });

  return app;
}

import express, { type Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CallEvent,
  Id,
  parseOrThrow,
  PBX_SECRET_HEADER,
  SwitchboardError,
  VOICE_REST,
  type User,
  type VoiceCredentials,
} from '../../shared';
import { inScope, scopeOf } from '../auth/scope';
import type { Db } from '../db/schema';
import { getSipAccount, pushSipAccounts, rotateSipPassword, type PbxController } from './credentials';
import { errorBody } from '../http/error-body';
import { httpStatus } from '../http/status';
import type { VoiceService } from './voice-service';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The PBX's calls: with a configured secret, the header must carry it; without, only loopback may call. */
export function pbxAllowed(req: IncomingMessage, secret: string | undefined): boolean {
  if (secret !== undefined && secret !== '') {
    const sent = Buffer.from(String(req.headers[PBX_SECRET_HEADER] ?? ''));
    const want = Buffer.from(secret);
    return sent.length === want.length && timingSafeEqual(sent, want);
  }
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}

const routeParam = (q: URLSearchParams, name: string): string => {
  const v = q.get(name);
  if (v === null || v.length === 0 || v.length > 256) {
    throw new SwitchboardError('bad_request', `The ${name} parameter is missing or too long.`);
  }
  return v;
};

/**
 * GET /api/voice/route?queue=&caller=&callid=[&retry=1], asked by Kamailio for every queue call. Served on
 * the bare HTTP server, ahead of express, because the PBX waits on it: 200 with the agent's extension on the
 * first line and the queue's ring timeout in seconds on the second, or 404 (Kamailio answers the caller 480).
 * retry=1: the agent the call was offered to did not take it; pick the next one. Returns false for any other
 * request.
 */
export function routeRequestHandler(deps: {
  voice: VoiceService;
  pbxSecret?: string;
  log: (line: string) => void;
}) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || !req.url?.startsWith(`${VOICE_REST.route}?`)) return false;
    const fail = (e: unknown) => {
      const body = errorBody(e, deps.log);
      res.writeHead(httpStatus[body.code], { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (!pbxAllowed(req, deps.pbxSecret)) {
        throw new SwitchboardError('forbidden', 'Only the PBX may ask for routing.');
      }
      const q = new URLSearchParams(req.url.slice(VOICE_REST.route.length + 1));
      deps.voice
        .route(
          routeParam(q, 'queue'),
          routeParam(q, 'caller'),
          routeParam(q, 'callid'),
          q.get('retry') === '1',
        )
        .then((result) => {
          if (result.kind === 'agent') {
            // Plain lines, not JSON: Kamailio reads them with string transformations, without a JSON module.
            res
              .writeHead(200, { 'content-type': 'text/plain' })
              .end(`${result.extension}\n${result.ringTimeoutSeconds}\n`);
          } else {
            res.writeHead(404, { 'content-type': 'text/plain' }).end();
          }
        }, fail);
    } catch (e) {
      fail(e);
    }
    return true;
  };
}

/** /api/voice: credentials for the signed-in agent, queues, the PBX's routing requests and call events. */
export function voiceRouter(deps: {
  db: Db;
  voice: VoiceService;
  pbx?: PbxController;
  pbxSecret?: string;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
}) {
  const { db, voice, pbx, pbxSecret, now, bearerUser } = deps;
  const router = express.Router();

  const credentials = async (user: User, rotate: boolean): Promise<VoiceCredentials> => {
    const account = rotate
      ? await db.transaction().execute((trx) => rotateSipPassword(trx, user.id, now()))
      : await getSipAccount(db, user.id);
    if (!account) throw new SwitchboardError('not_found', 'You have no phone extension.');
    if (rotate && pbx) await pushSipAccounts(pbx, [account]);
    return {
      extension: account.extension,
      password: account.password,
      wsUrl: pbx?.wsUrl ?? null,
      domain: pbx?.domain ?? null,
    };
  };

  router.get(VOICE_REST.credentials, async (req, res) => {
    const user = await bearerUser(req);
    res.set('cache-control', 'no-store').json(await credentials(user, false));
  });

  router.post(VOICE_REST.rotateCredentials, async (req, res) => {
    const user = await bearerUser(req);
    res.set('cache-control', 'no-store').json(await credentials(user, true));
  });

  router.get(VOICE_REST.queues, async (req, res) => {
    const user = await bearerUser(req);
    const scope = scopeOf(user);
    res.json({ queues: voice.listQueues().filter((q) => inScope(scope, q.departmentId)) });
  });

  // The PBX (loopback/secret) or the desktop (bearer token of the call's agent or a supervisor).
  router.post(VOICE_REST.events, async (req, res) => {
    const body = parseOrThrow(CallEvent, req.body, 'call event');
    const user = pbxAllowed(req, pbxSecret) && !req.headers.authorization ? null : await bearerUser(req);
    res.json({ status: await voice.callEvent(body.callId, body.event, user) });
  });

  router.get(VOICE_REST.interaction(':id'), async (req, res) => {
    const user = await bearerUser(req);
    const interaction = await voice.interaction(parseOrThrow(Id, req.params.id, 'interaction id'));
    if (!interaction || !inScope(scopeOf(user), interaction.departmentId)) {
      throw new SwitchboardError('not_found', 'No such call in your department.');
    }
    res.json(interaction);
  });

  return router;
}

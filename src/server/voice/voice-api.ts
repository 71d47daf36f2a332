import express, { type Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CallbackRequest,
  CallEvent,
  Id,
  parseOrThrow,
  PBX_SECRET_HEADER,
  SwitchboardError,
  VOICE_REST,
  type User,
  type VoiceCredentials,
} from '../../shared';
import { writeAudits, type AuditEntry } from '../audit/audit-log';
import { inScope, scopeOf } from '../auth/scope';
import type { Db } from '../db/schema';
import { getSipAccount, pushSipAccounts, rotateSipPassword, type PbxController } from './credentials';
import { errorBody } from '../http/error-body';
import { httpStatus } from '../http/status';
import type { VoiceService } from './voice-service';
import type { VoiceCluster } from './voice-cluster';

/**
 * Whether a request comes from the PBX: it must carry the service's PBX secret. Without a secret nothing is
 * the PBX, loopback callers included: any web page the agent opens can make the browser send GETs to
 * 127.0.0.1, and any local user or process can connect there.
 */
export function pbxAllowed(req: IncomingMessage, secret: string | undefined): boolean {
  if (secret === undefined || secret === '') return false;
  const sent = Buffer.from(String(req.headers[PBX_SECRET_HEADER] ?? ''));
  const want = Buffer.from(secret);
  return sent.length === want.length && timingSafeEqual(sent, want);
}

function pbxRefusal(secret: string | undefined): SwitchboardError {
  return new SwitchboardError(
    'forbidden',
    secret
      ? `Only the PBX may call this: the ${PBX_SECRET_HEADER} header is missing or wrong.`
      : 'The PBX endpoints are closed: no PBX secret is configured on the service. Set SWITCHBOARD_PBX_SECRET for the service and the PBX.',
  );
}

/**
 * Logs refused PBX requests, one line per minute at most (with the count of the others), so a misconfigured
 * PBX is seen at once and a flood of them does not flood the log.
 */
export function pbxRefusalLog(log: (line: string) => void, now: () => Date = () => new Date()) {
  let lastAt = -Infinity;
  let quiet = 0;
  return (req: IncomingMessage, secret: string | undefined) => {
    const t = now().getTime();
    if (t - lastAt < 60_000) {
      quiet++;
      return;
    }
    const more = quiet > 0 ? ` (and ${quiet} more refused since the last line)` : '';
    lastAt = t;
    quiet = 0;
    log(
      `PBX request refused from ${req.socket.remoteAddress ?? 'an unknown address'}: ` +
        `${secret ? 'missing or wrong PBX secret' : 'no PBX secret is configured'}${more}.`,
    );
  };
}

/**
 * One audit record per routing answer and per PBX call event, written behind the answer (the PBX waits on
 * it), in a transaction of its own; a failure to write is logged.
 */
export function auditPbx(db: Db, log: (line: string) => void) {
  // Records that come while one transaction writes go together in the next: a burst of calls is a few
  // transactions rather than one per call, so it never queues the routing writes behind it.
  const queued: AuditEntry[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (queued.length > 0) {
      const batch = queued.splice(0, 500);
      await db
        .transaction()
        .execute((trx) => writeAudits(trx, batch))
        .catch((e: unknown) =>
          log(`audit of ${batch.length} PBX requests failed: ${e instanceof Error ? e.message : String(e)}`),
        );
    }
    writing = false;
  };
  return (
    now: Date,
    action: 'pbx.route' | 'pbx.call_event',
    subjectId: string | null,
    detail: Record<string, unknown>,
  ) => {
    queued.push({ at: now.toISOString(), actorId: null, action, subjectId, detail });
    if (!writing) void drain();
  };
}

interface Answer {
  status: number;
  type: string;
  body: string;
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
  db: Db;
  voice: VoiceService;
  pbxSecret?: string;
  now: () => Date;
  log: (line: string) => void;
  /** Several nodes: only the owner decides; the others pass the request on to it. */
  cluster?: VoiceCluster;
}) {
  const refused = pbxRefusalLog(deps.log, deps.now);
  const audit = auditPbx(deps.db, deps.log);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || !req.url?.startsWith(`${VOICE_REST.route}?`)) return false;
    const fail = (e: unknown) => {
      const body = errorBody(e, deps.log);
      res.writeHead(httpStatus[body.code], { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (!pbxAllowed(req, deps.pbxSecret)) {
        refused(req, deps.pbxSecret);
        throw pbxRefusal(deps.pbxSecret);
      }
      const q = new URLSearchParams(req.url.slice(VOICE_REST.route.length + 1));
      const [queue, caller, callId, retry, wait] = [
        routeParam(q, 'queue'),
        routeParam(q, 'caller'),
        routeParam(q, 'callid'),
        q.get('retry') === '1',
        // The PBX can keep this caller waiting (README "Waiting calls"): it may be answered `wait`.
        q.get('wait') === '1',
      ] as const;
      const url = req.url;
      const decide = () =>
        deps.voice.route(queue, caller, callId, retry, wait).then((result): Answer => {
          // The caller's number is in the call record already; the audit says who decided what. A request
          // about no queue of ours made no call and decided nothing: logged by the PBX, not audited here.
          // A poll of a waiting call that changes nothing (same position) is not audited: one a second per caller.
          if (result.interactionId !== null && (result.kind !== 'wait' || result.changed)) {
            audit(deps.now(), 'pbx.route', result.kind === 'agent' ? result.userId : null, {
              queue,
              callId,
              retry,
              extension: result.kind === 'agent' ? result.extension : null,
              interactionId: result.interactionId,
              ...(wait ? { wait: true } : {}),
              ...(result.kind === 'wait'
                ? { waiting: { position: result.position, expectedWaitSeconds: result.expectedWaitSeconds } }
                : {}),
              ...(result.kind === 'none' && result.result ? { result: result.result } : {}),
            });
          }
          // Plain lines, not JSON: Kamailio reads them with string transformations, without a JSON module.
          // A fourth wait line and a 404's body are read only by a configuration that knows them; an older one
          // reads the first lines and the status as before.
          return result.kind === 'agent'
            ? { status: 200, type: 'text/plain', body: `${result.extension}\n${result.ringTimeoutSeconds}\n` }
            : result.kind === 'wait'
              ? {
                  status: 200,
                  type: 'text/plain',
                  body: `wait\n${result.position}\n${result.expectedWaitSeconds}\n${result.callbackOffered ? 1 : 0}\n`,
                }
              : {
                  status: 404,
                  type: 'text/plain',
                  body:
                    result.result === 'callback' || result.result === 'max_wait_callback' ? 'callback\n' : '',
                };
        });
      const answer = deps.cluster
        ? deps.cluster.via(req, decide, url, { method: 'GET' }, async (r) => ({
            status: r.status,
            type: r.headers.get('content-type') ?? 'text/plain',
            body: await r.text(),
          }))
        : decide();
      answer.then((a) => res.writeHead(a.status, { 'content-type': a.type }).end(a.body), fail);
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
  log: (line: string) => void;
  bearerUser: (req: Request) => Promise<User>;
  cluster?: VoiceCluster;
}) {
  const { db, voice, pbx, pbxSecret, now, bearerUser, cluster } = deps;
  const router = express.Router();
  const refused = pbxRefusalLog(deps.log, now);
  const audit = auditPbx(db, deps.log);

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

  // The PBX (its secret) or the desktop (bearer token of the call's agent or a supervisor).
  router.post(VOICE_REST.events, async (req, res) => {
    const fromPbx = !req.headers.authorization;
    if (fromPbx && req.headers[PBX_SECRET_HEADER] !== undefined && !pbxAllowed(req, pbxSecret)) {
      // Looks like the PBX, with the wrong secret: say so (a missing bearer token would mislead).
      refused(req, pbxSecret);
      throw pbxRefusal(pbxSecret);
    }
    const user = fromPbx && pbxAllowed(req, pbxSecret) ? null : await bearerUser(req);
    const body = parseOrThrow(CallEvent, req.body, 'call event');
    if (cluster && !(await cluster.decidesHere(req))) {
      // Checked here already (PBX secret or a signed-in user); the owner checks the bearer token again.
      const answer = await cluster.via(
        req,
        async () => ({ status: 0, text: '' }),
        VOICE_REST.events,
        {
          method: 'POST',
          body: JSON.stringify(body),
          headers: {
            'content-type': 'application/json',
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
        },
        async (r) => ({ status: r.status, text: await r.text() }),
      );
      if (answer.status !== 0) {
        res.status(answer.status).type('application/json').send(answer.text);
        return;
      }
    }
    const apply = () => voice.callEvent(body.callId, body.event, user);
    const status = await (cluster ? cluster.decide(apply) : apply());
    if (user === null) {
      audit(now(), 'pbx.call_event', status?.userId ?? null, { callId: body.callId, event: body.event });
    }
    res.json({ status });
  });

  // The PBX: a waiting caller asked for a callback (README "Waiting calls"). Its secret only.
  router.post(VOICE_REST.callback, async (req, res) => {
    if (!pbxAllowed(req, pbxSecret)) {
      refused(req, pbxSecret);
      throw pbxRefusal(pbxSecret);
    }
    const body = parseOrThrow(CallbackRequest, req.body, 'callback request');
    if (cluster && !(await cluster.decidesHere(req))) {
      const answer = await cluster.via(
        req,
        async () => ({ status: 0, text: '' }),
        VOICE_REST.callback,
        { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        async (r) => ({ status: r.status, text: await r.text() }),
      );
      if (answer.status !== 0) {
        res.status(answer.status).type('application/json').send(answer.text);
        return;
      }
    }
    const apply = () => voice.requestCallback(body.callId);
    const ticketId = await (cluster ? cluster.decide(apply) : apply());
    res.json({ ticketId });
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

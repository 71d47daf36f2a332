import express, { type NextFunction, type Request, type Response } from 'express';
import { parseOrThrow, SwitchboardError, type ErrorBody } from '../../shared';
import {
  INTAKE_REST,
  IntakeCustomerRequest,
  IntakeTicketRequest,
  type IntakeContact,
} from '../../shared/intake';
import { writeAudit } from '../audit/audit-log';
import { customerForContact } from '../customers/identity';
import type { Db } from '../db/schema';
import { errorBody } from '../http/error-body';
import { httpStatus } from '../http/status';
import { refreshTicketSla } from '../sla/sla-store';
import { fileIntakeTicket } from './file-ticket';
import { answeredBefore, idempotencyKeyOf, rememberAnswer } from './idempotency';
import { authenticateKey, keyLabel, presentedKey } from './api-keys';
import type { RateLimiter, RateRule } from './rate-limit';
import { deliverMessage, readMessage, verifyWebhook, webhookChannel } from './webhooks';
import { wecomSignature, sameSignature, checkTimestamp } from './signatures';

export interface IntakeLimits {
  /** Requests per API key. Default 120 a minute. */
  perKey: RateRule;
  /** Failed authentications per client address (a wrong or revoked key). Default 20 a minute. */
  failedPerAddress: RateRule;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  perKey: { limit: 120, windowSeconds: 60 },
  failedPerAddress: { limit: 20, windowSeconds: 60 },
};

/** Webhook and API bodies are messages and forms, not files: anything larger is refused before it is read. */
export const INTAKE_BODY_LIMIT = '64kb';

export interface IntakeHttpDeps {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  limits: IntakeLimits;
  rate: RateLimiter;
  /** Tells the replicas of these departments to pull. */
  poke: (departments: string[]) => void;
}

/** What POST /api/intake/tickets answers (IntakeTicketResponse). */
interface IntakeAnswer {
  ticketId: string;
  number: number;
  customerId: string;
  customerCreated: boolean;
}

const address = (req: Request) => req.socket.remoteAddress ?? 'unknown';

/**
 * /api/intake/*: messaging webhooks and the API for apps and web forms. Its own express app, ahead of the REST
 * API's JSON parser: a signature is over the body's exact bytes, which a parsed-and-reserialised body loses.
 * Every refusal answers a JSON error body (code, message), is logged, and changes nothing (refused API calls
 * are audited).
 */
export function intakeApp(deps: IntakeHttpDeps): express.Express {
  const { db, now, log, rate, limits } = deps;
  const app = express();
  app.disable('x-powered-by');
  const raw = express.raw({ type: () => true, limit: INTAKE_BODY_LIMIT });

  // WeCom checks a callback URL with a signed GET and expects its echostr back.
  app.get(INTAKE_REST.webhook(':id'), async (req, res) => {
    const channel = await webhookChannel(db, String(req.params.id));
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : '');
    if (channel.kind !== 'wecom' || !q('echostr'))
      throw new SwitchboardError('bad_request', 'POST messages to this address.');
    if (
      !sameSignature(
        wecomSignature(channel.secret, q('timestamp'), q('nonce'), q('echostr')),
        q('msg_signature'),
      )
    )
      throw new SwitchboardError('unauthenticated', 'The signature does not match this channel’s token.');
    checkTimestamp(q('timestamp'), now());
    res.type('text/plain').send(q('echostr'));
  });

  app.post(INTAKE_REST.webhook(':id'), raw, async (req, res) => {
    const channel = await webhookChannel(db, String(req.params.id));
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const at = now();
    const { text, nonce } = verifyWebhook(channel, req, body, at);
    const msg = readMessage(channel, text, req.headers['content-type'] ?? '');
    const taken = await deliverMessage(db, channel, nonce, msg, at, `webhook:${address(req)}`);
    if (taken && !taken.duplicate) deps.poke([taken.departmentId]);
    if (!taken) log(`Channel ${channel.id}: a message that is not text was acknowledged and left out.`);
    if (channel.kind === 'wecom') {
      // WeCom takes "success" as delivered (anything else is retried).
      res.type('text/plain').send('success');
      return;
    }
    res
      .status(taken && !taken.duplicate ? 201 : 200)
      .json(
        taken
          ? { ticketId: taken.ticketId, commentId: taken.commentId, duplicate: taken.duplicate }
          : { ignored: true },
      );
  });

  type KeyRow = Awaited<ReturnType<typeof authenticateKey>>;
  /**
   * The request's API key, before its body is read: an address past its failed authentications is refused
   * first (a guesser gets no answer about keys), a failure counts against the address, a success against the key.
   */
  const withKey = async (req: Request, res: Response, next: NextFunction) => {
    const from = address(req);
    await rate.check(`addr:${from}`, limits.failedPerAddress, 'with a wrong API key from this address');
    let row: KeyRow;
    try {
      row = await authenticateKey(db, presentedKey(req.headers), now());
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unauthenticated')
        await rate.count(`addr:${from}`, limits.failedPerAddress);
      throw e;
    }
    await rate.take(`key:${row.id}`, limits.perKey, 'with this API key');
    res.locals.key = row;
    next();
  };
  const keyOf = (res: Response) => res.locals.key as KeyRow;
  const json = express.json({ limit: INTAKE_BODY_LIMIT, type: () => true });
  const contactOf = (c: IntakeContact) => ({
    name: c.name,
    phone: c.phone,
    email: c.email,
    external: c.externalId ? { channel: 'api', id: c.externalId } : null,
    language: c.language,
  });
  const sourceOf = (req: Request, key: KeyRow) => `apikey:sbk_${key.prefix}@${address(req)}`;

  app.post(INTAKE_REST.tickets, withKey, json, async (req, res) => {
    const key = keyOf(res);
    const body = parseOrThrow(IntakeTicketRequest, req.body, 'ticket');
    const idempotency = idempotencyKeyOf(req);
    const at = now();
    // Triage (issue 15) may file the ticket in another department than the key's.
    let routedTo = key.department_id;
    const out = await db.transaction().execute(async (trx) => {
      const earlier = idempotency && (await answeredBefore<IntakeAnswer>(trx, key.id, idempotency, body));
      if (earlier) return { ...earlier, replayed: true };
      const { customer, created } = await customerForContact(
        trx,
        contactOf(body.contact),
        key.department_id,
        at,
      );
      const { ticketId, number, departmentId } = await fileIntakeTicket(
        trx,
        {
          departmentId: key.department_id,
          customerId: customer.id,
          subject: body.subject,
          description: body.description,
          priority: body.priority,
          channel: body.channel,
          by: `API: ${key.name}`,
        },
        at,
        // Triage (issue 15): routed and categorised by the prediction; the priority too unless the caller sent one.
        { department: false, priority: (req.body as { priority?: unknown }).priority !== undefined },
      );
      await refreshTicketSla(db, trx, [ticketId], at);
      await writeAudit(trx, {
        at: at.toISOString(),
        actorId: null,
        source: sourceOf(req, key),
        action: 'intake.api.ticket',
        subjectId: ticketId,
        detail: { keyId: key.id, customerId: customer.id, customerCreated: created, number },
      });
      const answer: IntakeAnswer = { ticketId, number, customerId: customer.id, customerCreated: created };
      if (idempotency) await rememberAnswer(trx, key.id, idempotency, body, answer, at);
      routedTo = departmentId;
      return { ...answer, replayed: false };
    });
    const { replayed, ...answer } = out;
    if (replayed) res.set('idempotent-replayed', 'true');
    else deps.poke([routedTo]);
    res.status(201).json(answer);
  });

  app.post(INTAKE_REST.customers, withKey, json, async (req, res) => {
    const key = keyOf(res);
    const body = parseOrThrow(IntakeCustomerRequest, req.body, 'customer');
    const at = now();
    const out = await db.transaction().execute(async (trx) => {
      const { customer, created } = await customerForContact(
        trx,
        contactOf(body.contact),
        key.department_id,
        at,
      );
      await writeAudit(trx, {
        at: at.toISOString(),
        actorId: null,
        source: sourceOf(req, key),
        action: 'intake.api.customer',
        subjectId: customer.id,
        detail: { keyId: key.id, created },
      });
      return { customerId: customer.id, created };
    });
    if (out.created) deps.poke([key.department_id]);
    res.status(out.created ? 201 : 200).json(out);
  });

  app.use(() => {
    throw new SwitchboardError('not_found', 'No such intake endpoint.');
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: unknown } | null)?.type;
    // body-parser's own failures, worded for the caller (errorBody would say only that it could not be read).
    const body: ErrorBody =
      type === 'entity.parse.failed'
        ? { code: 'bad_request', message: 'The request body is not valid JSON.' }
        : type === 'entity.too.large'
          ? { code: 'bad_request', message: `The request body is too large (at most ${INTAKE_BODY_LIMIT}).` }
          : errorBody(err, log);
    const key = keyLabel(presentedKey(req.headers));
    log(
      `intake refused ${req.method} ${req.path} from ${address(req)}${key ? ` (${key})` : ''}: ` +
        `${body.code} ${body.message}`,
    );
    // Refused API calls reach the audit trail too (who tried what from where); a flood of 429s does not.
    if (
      req.path.startsWith('/api/intake/') &&
      !req.path.startsWith('/api/intake/webhooks/') &&
      body.code !== 'too_many_attempts'
    )
      void writeAudit(db, {
        at: now().toISOString(),
        actorId: null,
        source: `${key ? `apikey:${key}@` : ''}${address(req)}`,
        action: 'intake.api.refused',
        subjectId: null,
        detail: { path: req.path, code: body.code },
      }).catch((e: unknown) => log(`audit of a refused intake call failed: ${String(e)}`));
    if (body.retryAfterSeconds !== undefined) res.set('retry-after', String(body.retryAfterSeconds));
    res.status(httpStatus[body.code]).json(body);
  });
  return app;
}

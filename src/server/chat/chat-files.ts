import type { IncomingMessage } from 'node:http';
import express, { type Request, type Response } from 'express';
import { Id, parseOrThrow, SwitchboardError, type User } from '../../shared';
import {
  CHAT_AGENT_FILES_PATH,
  CHAT_FILE_TYPES,
  CHAT_FILES_PATH,
  type ChatAttachmentRef,
  type ChatErrorCode,
} from '../../shared/chat';
import { cleanFileName, refusal, type AttachmentStore } from '../attachments/attachment-store';
import { writeAudit } from '../audit/audit-log';
import { inScope, scopeOf } from '../auth/scope';
import type { Db } from '../db/schema';
import { uploader } from './chat-file-claims';
import { ChatRefusal, ChatService, hashToken } from './chat-service';
import { getSession, visitorByTokenHash, type VisitorRow } from './chat-store';
import { serviceOrigins } from './visitor-socket';

/*
 * Chat files (issue 13, chat files): kept by the one attachment store (src/server/attachments), a row with
 * source 'chat' whose ticket_id holds the chat session's id ('' while a visitor's upload is not in a message
 * yet) and comment_id who uploaded it ('visitor:<id>' or 'agent:<user id>'). The ticket download route never
 * serves them (no ticket has that id). Messages carry only the id; name, size and type come from the row.
 */

/** A download name whose ending agrees with the stored type, so a saved "x.html" sent as text/plain opens as text. */
export function downloadName(name: string, type: string): string {
  const clean = cleanFileName(name);
  const endings = CHAT_FILE_TYPES[type];
  if (!endings) return `${clean}.bin`;
  const lower = clean.toLowerCase();
  return endings.some((e) => lower.endsWith(e)) ? clean : `${clean}${endings[0]}`;
}

/** Reads a request body up to `max` bytes; null when it is larger (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      resolve(null);
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        parts.length = 0;
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function fileNameHeader(req: Request): string {
  const raw = req.get('x-file-name') ?? '';
  try {
    return cleanFileName(decodeURIComponent(raw));
  } catch {
    return cleanFileName(raw);
  }
}

/** Refuses a file over the size or outside the types, in the visitor protocol's codes. */
function check(store: AttachmentStore, name: string, type: string, body: Buffer | null): void {
  const max = store.limits.maxBytes;
  if (body === null)
    throw new ChatRefusal(
      'too_large',
      `${name} is larger than the ${Math.round(max / 1024 / 1024)} MB allowed.`,
    );
  const why = refusal({ fileName: name, contentType: type, content: body }, store.limits);
  if (why) throw new ChatRefusal(store.limits.types.has(type) ? 'too_large' : 'file_type', why);
  if (body.length === 0) throw new ChatRefusal('bad_request', `${name} is empty.`);
}

function serveFile(
  res: Response,
  store: AttachmentStore,
  row: { id: string; file_name: string; content_type: string },
) {
  let bytes: Buffer;
  try {
    bytes = store.read(row.id);
  } catch {
    throw new SwitchboardError(
      'internal',
      'The file is recorded but missing on the server; restore the data folder from a backup.',
    );
  }
  // Always a download under a safe name, never a page: a sender's HTML or SVG stays inert.
  res
    .set('content-type', row.content_type)
    .set(
      'content-disposition',
      `attachment; filename*=UTF-8''${encodeURIComponent(downloadName(row.file_name, row.content_type))}`,
    )
    .set('x-content-type-options', 'nosniff')
    .set('content-security-policy', "default-src 'none'; sandbox")
    .set('cache-control', 'private, no-store')
    .send(bytes);
}

/**
 * The page's origin: Origin, which browsers leave out of a same-origin GET (the demo page's download), then the
 * Referer's origin. The visitor token is what authenticates; this only keeps other sites' pages out.
 */
function pageOrigin(req: Request): string | undefined {
  const o = req.get('origin');
  if (o && o !== 'null') return o;
  try {
    const r = req.get('referer');
    return r ? new URL(r).origin : undefined;
  } catch {
    return undefined;
  }
}

const HTTP_OF: Record<ChatErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  origin_not_allowed: 403,
  rate_limited: 429,
  too_large: 413,
  file_type: 415,
  internal: 500,
};

/**
 * The visitor side, on the widget's origin: CORS for allowlisted pages only, the visitor token as bearer,
 * answers in the visitor protocol's error shape ({code, message, retryAfterSeconds}) the widget words.
 */
export function visitorFileRoutes(
  app: express.Express,
  deps: { chat: ChatService; db: Db; store: AttachmentStore; now: () => Date; log: (line: string) => void },
): void {
  const { chat, db, store } = deps;

  /** The site and visitor of a request, with the CORS headers an allowed page needs. */
  async function who(req: Request, res: Response): Promise<VisitorRow> {
    const siteId = typeof req.query.site === 'string' ? req.query.site : '';
    const site = siteId ? await chat.site(siteId) : undefined;
    const origin = pageOrigin(req);
    if (!site || !ChatService.originAllowed(site, origin, serviceOrigins(req)))
      throw new ChatRefusal(
        'origin_not_allowed',
        `Pages at ${origin ?? '(no origin)'} may not use chat site "${siteId}".`,
      );
    res.set('access-control-allow-origin', origin!).set('vary', 'Origin');
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const v = token ? await visitorByTokenHash(db, hashToken(token)) : undefined;
    if (!v || v.site_id !== site.id)
      throw new ChatRefusal('unauthenticated', 'This chat is not known here any more; reload the page.');
    return v;
  }

  const wrap =
    (work: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      try {
        await work(req, res);
      } catch (e) {
        const r =
          e instanceof ChatRefusal
            ? e
            : e instanceof SwitchboardError && e.code === 'not_found'
              ? null
              : new ChatRefusal('internal', 'The chat service could not handle that file; try again.');
        if (!r) {
          res.status(404).json({ code: 'not_found', message: (e as Error).message });
          return;
        }
        if (r.code === 'internal')
          deps.log(`chat file failed: ${e instanceof Error ? e.message : String(e)}`);
        res.status(HTTP_OF[r.code]).json({
          code: r.code,
          message: r.message,
          ...(r.retryAfterSeconds !== undefined && { retryAfterSeconds: r.retryAfterSeconds }),
        });
      }
    };

  app.options([CHAT_FILES_PATH, `${CHAT_FILES_PATH}/:id`], async (req, res) => {
    const site = typeof req.query.site === 'string' ? await chat.site(req.query.site) : undefined;
    const origin = req.get('origin');
    if (site && ChatService.originAllowed(site, origin, serviceOrigins(req)))
      res
        .set('access-control-allow-origin', origin!)
        .set('access-control-allow-methods', 'GET, POST')
        .set('access-control-allow-headers', 'authorization, content-type, x-file-name')
        .set('access-control-max-age', '600');
    res.set('vary', 'Origin').status(204).end();
  });

  app.post(
    CHAT_FILES_PATH,
    wrap(async (req, res) => {
      const visitor = await who(req, res);
      const address = req.socket.remoteAddress ?? 'unknown';
      chat.takeFile(visitor.id, address);
      const name = fileNameHeader(req);
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      // The type is checked before the body is read: a refused file is not even received.
      if (!store.limits.types.has(type)) check(store, name, type, Buffer.alloc(0));
      const body = await readBody(req, store.limits.maxBytes);
      check(store, name, type, body);
      const at = deps.now().toISOString();
      const open = await chat.openSessionId(visitor.id);
      const made: string[] = [];
      try {
        const meta = await db.transaction().execute(async (trx) => {
          const m = await store.save(
            trx,
            { fileName: name, contentType: type, content: body! },
            { ticketId: open ?? '', commentId: uploader({ visitorId: visitor.id }), source: 'chat', at },
          );
          made.push(m.id);
          return m;
        });
        const ref: ChatAttachmentRef = {
          id: meta.id,
          name: meta.fileName,
          size: meta.size,
          type: meta.contentType,
        };
        res.status(201).json(ref);
      } catch (e) {
        store.discard(made);
        throw e;
      }
    }),
  );

  app.get(
    `${CHAT_FILES_PATH}/:id`,
    wrap(async (req, res) => {
      const visitor = await who(req, res);
      const missing = () => new SwitchboardError('not_found', 'No such file in your chat.');
      const id = String(req.params.id);
      const row = await store.find(db, id);
      if (!row || row.source !== 'chat') throw missing();
      const own = row.comment_id === uploader({ visitorId: visitor.id });
      const session = row.ticket_id ? await getSession(db, row.ticket_id) : undefined;
      // A visitor reads files of its own sessions (either side's); an unsent upload only by who sent it.
      if (!(own || session?.visitor_id === visitor.id)) throw missing();
      serveFile(res, store, row);
    }),
  );
}

/** The agent side, over the REST API's bearer: upload to a chat one has, read files of chats in one's scope. */
export function agentFileRouter(deps: {
  chat: ChatService;
  db: Db;
  store: AttachmentStore;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const { db, store } = deps;
  const r = express.Router();
  r.post('/api/chat/sessions/:id/files', async (req, res) => {
    const user = await deps.bearerUser(req);
    const sessionId = parseOrThrow(Id, req.params.id, 'chat id');
    const s = await getSession(db, sessionId);
    if (!s || s.state !== 'agent' || s.agent_id !== user.id)
      throw new SwitchboardError('conflict', 'This chat is not yours (any more): it was ended or passed on.');
    const name = fileNameHeader(req);
    const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const body = await readBody(req, store.limits.maxBytes);
    try {
      check(store, name, type, body);
    } catch (e) {
      throw new SwitchboardError('bad_request', (e as Error).message);
    }
    const at = deps.now().toISOString();
    const made: string[] = [];
    try {
      const meta = await db.transaction().execute(async (trx) => {
        const m = await store.save(
          trx,
          { fileName: name, contentType: type, content: body! },
          { ticketId: s.id, commentId: uploader({ agentId: user.id }), source: 'chat', at },
        );
        made.push(m.id);
        await writeAudit(trx, {
          at,
          actorId: user.id,
          action: 'chat.file.upload',
          subjectId: m.id,
          detail: { sessionId: s.id, name: m.fileName, type: m.contentType, size: m.size },
          source: req.socket.remoteAddress ?? null,
        });
        return m;
      });
      const ref: ChatAttachmentRef = {
        id: meta.id,
        name: meta.fileName,
        size: meta.size,
        type: meta.contentType,
      };
      res.status(201).json(ref);
    } catch (e) {
      store.discard(made);
      throw e;
    }
  });
  r.get(`${CHAT_AGENT_FILES_PATH}/:id`, async (req, res) => {
    const user = await deps.bearerUser(req);
    const id = parseOrThrow(Id, req.params.id, 'file id');
    const missing = () => new SwitchboardError('not_found', 'No such chat file in your department.');
    const row = await store.find(db, id);
    if (!row || row.source !== 'chat' || !row.ticket_id) throw missing();
    const s = await getSession(db, row.ticket_id);
    if (!s || !(s.agent_id === user.id || inScope(scopeOf(user), s.department_id))) throw missing();
    await db.transaction().execute((trx) =>
      writeAudit(trx, {
        at: deps.now().toISOString(),
        actorId: user.id,
        action: 'chat.file.download',
        subjectId: row.id,
        detail: { sessionId: s.id, name: row.file_name },
        source: req.socket.remoteAddress ?? null,
      }),
    );
    serveFile(res, store, row);
  });
  return r;
}

import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SwitchboardError, type User } from '../../shared';
import {
  CHAT_AGENT_FILES_PATH,
  CHAT_DEMO_PATH,
  CHAT_FILES_PATH,
  CHAT_WIDGET_PATH,
  ChatSite,
} from '../../shared/chat';
import type { AttachmentStore } from '../attachments/attachment-store';
import type { Db } from '../db/schema';
import { errorBody } from '../http/error-body';
import { httpStatus } from '../http/status';
import { agentFileRouter, visitorFileRoutes } from './chat-files';
import { ChatService } from './chat-service';
import { serviceOrigins } from './visitor-socket';

/** The administrators' site list (allowlist of embedding origins). */
export const CHAT_SITES_PATH = '/api/chat/sites';

const defaultWidgetDir = () =>
  process.env.SWITCHBOARD_WIDGET_DIR ?? fileURLToPath(new URL('../../../out/widget', import.meta.url));

/**
 * The origin a script request comes from. A classic <script src> sends no Origin but a Referer (the default
 * policy keeps the origin of a cross-site one); Origin wins when both are there.
 */
function requestOrigin(req: IncomingMessage): string | undefined {
  const o = req.headers.origin;
  if (o && o !== 'null') return o;
  try {
    return req.headers.referer ? new URL(req.headers.referer).origin : undefined;
  } catch {
    return undefined;
  }
}

/** Text for a page author's console: a refused script still says what to do. */
const jsNotice = (text: string) => `console.error(${JSON.stringify(`Switchboard chat: ${text}`)});\n`;

function demoPage(lang: 'zh-CN' | 'en'): string {
  const zh = lang === 'zh-CN';
  // A plain page with nothing but text and the one script tag a site owner would add.
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${zh ? '示例商店 — 在线客服演示' : 'Demo shop — web chat demo'}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}</style>
</head>
<body>
<h1>${zh ? '示例商店' : 'Demo shop'}</h1>
<p>${
    zh
      ? '这是一个普通网页，只加了一行脚本标签。点右下角的按钮和我们聊天。'
      : 'A plain page with one script tag added. Use the button at the bottom right to chat with us.'
  }</p>
<p><a href="?lang=${zh ? 'en' : 'zh'}">${zh ? 'English' : '中文'}</a></p>
<script src="${CHAT_WIDGET_PATH}" data-site="demo" async></script>
</body>
</html>
`;
}

/**
 * The chat's HTTP side: the widget bundle, the demo page and the site list. Returns a request handler that
 * answers its own paths and says false for the rest (app.ts hands those to the API).
 */
export function chatRequestHandler(deps: {
  chat: ChatService;
  bearerUser: (req: Request) => Promise<User>;
  log: (line: string) => void;
  /** Chat files (issue 13): the one attachment store, and the database and clock it records in. */
  files?: { db: Db; store: AttachmentStore; now: () => Date };
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { chat, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  const widgetDir = chat.options.widgetDir ?? defaultWidgetDir();
  let cached: { mtimeMs: number; body: Buffer } | undefined;
  const widgetBody = (): Buffer | undefined => {
    const file = join(widgetDir, 'widget.js');
    try {
      const { mtimeMs } = statSync(file);
      if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, body: readFileSync(file) };
      return cached.body;
    } catch {
      return undefined;
    }
  };

  app.get(CHAT_WIDGET_PATH, async (req, res) => {
    res
      .type('application/javascript; charset=utf-8')
      .set('x-content-type-options', 'nosniff')
      // Any page may load it (that is its purpose); the allowlist below decides which get a working one.
      .set('cross-origin-resource-policy', 'cross-origin')
      .set('vary', 'Origin, Referer');
    const origin = requestOrigin(req);
    const sites = await chat.sites();
    const own = serviceOrigins(req);
    // The socket checks the page's site exactly; here, without the site in the request, any site's origin will do.
    // A page whose referrer policy hides its origin still gets the script: its socket is checked all the same.
    if (origin !== undefined && !sites.some((s) => ChatService.originAllowed(s, origin, own))) {
      res
        .status(403)
        .set('cache-control', 'no-store')
        .send(
          jsNotice(
            `pages at ${origin} may not embed this chat. An administrator adds the origin to a chat site (${CHAT_SITES_PATH}).`,
          ),
        );
      return;
    }
    const body = widgetBody();
    if (!body) {
      log(`chat widget bundle missing in ${widgetDir}: run npm run build`);
      res
        .status(503)
        .set('cache-control', 'no-store')
        .send(jsNotice('the widget is not built on this server (npm run build).'));
      return;
    }
    res.set('cache-control', 'public, max-age=300').send(body);
  });

  app.get(CHAT_DEMO_PATH, (req, res) => {
    const lang = String(req.query.lang ?? '').startsWith('zh') ? 'zh-CN' : 'en';
    res
      .type('html')
      .set('cache-control', 'no-store')
      .set('x-content-type-options', 'nosniff')
      .set(
        'content-security-policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
      )
      .send(demoPage(lang));
  });

  const adminOnly = async (req: Request): Promise<User> => {
    const user = await deps.bearerUser(req);
    if (user.role !== 'admin')
      throw new SwitchboardError('forbidden', 'Only administrators manage the sites that may embed chat.');
    return user;
  };
  app.get(CHAT_SITES_PATH, async (req, res) => {
    await adminOnly(req);
    res.set('cache-control', 'no-store').json(await chat.sites());
  });
  app.put(`${CHAT_SITES_PATH}/:id`, express.json({ limit: '64kb' }), async (req, res) => {
    const user = await adminOnly(req);
    const parsed = ChatSite.safeParse({ ...(req.body as object), id: req.params.id });
    if (!parsed.success)
      throw new SwitchboardError(
        'bad_request',
        `Invalid chat site: ${parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    res.json(await chat.putSite(parsed.data, { id: user.id, source: req.socket.remoteAddress ?? null }));
  });

  // Chat files (issue 13): visitors' uploads and downloads, and the agent side's.
  if (deps.files) {
    visitorFileRoutes(app, { chat, log, ...deps.files });
    app.use(agentFileRouter({ chat, bearerUser: deps.bearerUser, ...deps.files }));
  }

  app.use(() => {
    throw new SwitchboardError('not_found', 'No such chat endpoint: GET or PUT /api/chat/sites/<id>.');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const body = errorBody(err, log);
    res.status(httpStatus[body.code]).json(body);
  });

  const mine = (url: string | undefined) => {
    const path = (url ?? '').split('?')[0]!;
    return (
      path === CHAT_WIDGET_PATH ||
      path === CHAT_DEMO_PATH ||
      path === CHAT_SITES_PATH ||
      path.startsWith(`${CHAT_SITES_PATH}/`) ||
      (deps.files !== undefined &&
        (path === CHAT_FILES_PATH ||
          path.startsWith(`${CHAT_FILES_PATH}/`) ||
          path.startsWith(`${CHAT_AGENT_FILES_PATH}/`) ||
          /^\/api\/chat\/sessions\/[^/]+\/files$/.test(path)))
    );
  };
  return (req, res) => {
    if (!mine(req.url)) return false;
    app(req as Request, res as Response);
    return true;
  };
}

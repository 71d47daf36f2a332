import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WALLBOARD_REST } from '../../shared/protocol/supervisor';

/**
 * The wallboard page (issue 14): the bundle vite.wallboard.config.ts builds into out/wallboard, served at
 * /wallboard with its files under /wallboard/assets/. The page is public (it holds no data); everything it
 * shows comes over /api/wallboard/config and the /wallboard socket.io namespace with the token the page
 * reads from its URL fragment.
 */
export const WALLBOARD_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Same-origin REST and socket.io (CSP 3 'self' covers ws: and wss: of this host).
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const defaultDir = () =>
  process.env.SWITCHBOARD_WALLBOARD_DIR ?? fileURLToPath(new URL('../../../out/wallboard', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Headers every answer of the page carries: no sniffing, no framing, no referrer, no features it does not use. */
function secure(res: ServerResponse): ServerResponse {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  return res;
}

function plain(res: ServerResponse, status: number, text: string): void {
  secure(res).statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  res.end(text);
}

/**
 * Answers GET/HEAD /wallboard and /wallboard/assets/<file>; says false for every other path (app.ts hands
 * those on). Files are read when they change (a rebuild is served without a restart).
 */
export function wallboardPageHandler(
  opts: { dir?: string; log?: (line: string) => void } = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const dir = opts.dir ?? defaultDir();
  const cache = new Map<string, { mtimeMs: number; body: Buffer }>();
  const read = (file: string): Buffer | undefined => {
    try {
      const { mtimeMs } = statSync(file);
      const hit = cache.get(file);
      if (hit?.mtimeMs === mtimeMs) return hit.body;
      const body = readFileSync(file);
      cache.set(file, { mtimeMs, body });
      return body;
    } catch {
      return undefined;
    }
  };
  const page = WALLBOARD_REST.page;

  return (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== page && !path.startsWith(`${page}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      plain(res, 405, 'The wallboard page is read with GET.');
      return true;
    }
    const head = req.method === 'HEAD';
    if (path === page || path === `${page}/` || path === `${page}/index.html`) {
      const body = read(join(dir, 'index.html'));
      if (!body) {
        opts.log?.(`wallboard page missing in ${dir}: run npm run build`);
        plain(res, 503, 'The wallboard page is not built on this server (npm run build).');
        return true;
      }
      secure(res).statusCode = 200;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', WALLBOARD_PAGE_CSP);
      res.end(head ? undefined : body);
      return true;
    }
    // Built files only: one plain name (hashed by the build) under assets/, never a path out of the folder.
    const asset = /^\/wallboard\/assets\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/.exec(path)?.[1];
    const type = asset ? TYPES[extname(asset)] : undefined;
    const body = asset && type ? read(join(dir, 'assets', asset)) : undefined;
    if (!asset || !type || !body) {
      plain(res, 404, 'No such wallboard file. Open /wallboard#token=<a wallboard token>.');
      return true;
    }
    secure(res).statusCode = 200;
    res.setHeader('content-type', type);
    // The names change with their content: a TV may keep them for as long as it likes.
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.end(head ? undefined : body);
    return true;
  };
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY, contentTypeOf } from '../renderer-page/headers';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The decoded path of a request target, or null when it is not one (bad %-escapes, not a URL). */
export function decodePath(target: string | undefined): string | null {
  try {
    const path = decodeURIComponent(new URL(target ?? '/', 'http://x').pathname);
    return path.includes('\0') ? null : path;
  } catch {
    return null;
  }
}

/**
 * Serves the built renderer. Paths that look like files (have an extension) must exist; any other
 * path is a client-side route and gets index.html.
 */
export function staticHandler(rootDir: string) {
  const root = normalize(rootDir + sep);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('Method not allowed');
      return;
    }
    const path = decodePath(req.url);
    if (path === null) {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Bad request: the address is not a valid URL path (check its %-escapes).');
      return;
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info?.isFile()) {
      if (extname(path)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
        return;
      }
      file = join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The desktop UI is not built (npm run build).');
        return;
      }
    }
    const isHtml = extname(file) === '.html';
    res.writeHead(200, {
      'content-type': contentTypeOf(file),
      'content-length': info.size,
      // Hashed assets may be cached; the page itself must always be fresh so a new build is picked up.
      'cache-control': isHtml ? 'no-cache' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // The file can vanish or become unreadable after stat (a rebuild): that ends this response only.
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

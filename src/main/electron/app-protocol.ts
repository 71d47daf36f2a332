// The default export, with fs.promises.* looked up at each call: in the packaged app the renderer folder
// lies inside app.asar, which Electron makes readable by patching those functions on the fs module, and
// ES named imports of a builtin can hold the functions from before the patch.
import fs from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY, contentTypeOf } from '../renderer-page/headers';
import { APP_HOST, APP_SCHEME } from './app-url';

export { CONTENT_SECURITY_POLICY };

/**
 * What app://switchboard/... answers. Pure Node (no 'electron' import), so the path checks are
 * unit-tested against a real folder: tests/main/electron/app-protocol.test.ts. The shell only wraps the
 * answer in a Response (index.ts, protocol.handle).
 *
 * Why a scheme of our own instead of file://: a file:// page shares its origin with every file on the disk
 * and gets extra privileges (the grantFileProtocolExtraPrivileges fuse is off in electron-builder.yml), and
 * a look-alike path is easy to forge. app://switchboard is one origin that serves one folder and nothing else.
 */

/** Headers on every app:// answer, errors included. */
export const APP_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export type AppPath = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * The file under rendererDir an app:// URL names, or why it is refused. The decision does not trust the
 * URL parser to have removed dot segments (Chromium and Node differ on what they normalise): every
 * segment is percent-decoded on its own and refused if it is '.', '..', empty, or hides a separator, a
 * drive letter or a NUL; then the joined path must still lie inside rendererDir.
 */
export function resolveAppPath(rendererDir: string, url: string): AppPath {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port || u.username || u.password) {
    return { ok: false, status: 404, reason: 'not the app host' };
  }
  const raw = u.pathname === '' || u.pathname === '/' ? '/index.html' : u.pathname;
  const segments: string[] = [];
  for (const encoded of raw.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\:\0]/.test(segment)) {
      return { ok: false, status: 403, reason: `refused path segment "${encoded}"` };
    }
    segments.push(segment);
  }
  const root = resolve(rendererDir);
  const file = join(root, ...segments);
  if (!isInside(root, file)) return { ok: false, status: 403, reason: 'outside the renderer folder' };
  return { ok: true, file };
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  /** null for HEAD and for errors. */
  body: Uint8Array | null;
}

function refusal(status: number, extra: Record<string, string> = {}): AppResponse {
  return {
    status,
    headers: { ...APP_SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    body: null,
  };
}

/**
 * The whole answer to one app:// request: only GET and HEAD, only regular files whose real path (links
 * followed) is inside the renderer folder, with their content type and the security headers.
 */
export async function serveAppRequest(
  rendererDir: string,
  method: string,
  url: string,
): Promise<AppResponse> {
  if (method !== 'GET' && method !== 'HEAD') return refusal(405, { Allow: 'GET, HEAD' });
  const path = resolveAppPath(rendererDir, url);
  if (!path.ok) return refusal(path.status);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([
      fs.promises.realpath(path.file),
      fs.promises.realpath(rendererDir),
    ]);
  } catch {
    return refusal(404);
  }
  // A symbolic link inside the folder must not lead out of it.
  if (!isInside(realRoot, real)) return refusal(403);
  const info = await fs.promises.stat(real).catch(() => null);
  if (!info?.isFile()) return refusal(404);
  return {
    status: 200,
    headers: { ...APP_SECURITY_HEADERS, 'Content-Type': contentTypeOf(real) },
    body: method === 'HEAD' ? null : await fs.promises.readFile(real),
  };
}

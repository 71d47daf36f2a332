/**
 * Which URLs are "our app" and which links may leave it. Pure (no 'electron' import) so the decisions the
 * shell's security hinges on are unit-tested: tests/main/electron/app-url.test.ts.
 *
 * Every check parses the URL and compares scheme, host, port and path exactly. Prefix and substring
 * matching is what this replaces: it let file:///evil/out/renderer/index.html.evil and
 * http://localhost:5173.evil.com pass as the app.
 */

/** The privileged scheme the packaged renderer is served from (see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'switchboard';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The one page the window loads; the renderer has no other documents (no path routing). */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export interface AppLocation {
  /** The URL the window loads. */
  entryUrl: string;
  /** True only for the app's own page (any query or fragment), never a look-alike. */
  isAppUrl(url: string): boolean;
  /** True only for the app's own origin, for permission requests and checks. */
  isAppOrigin(originOrUrl: string): boolean;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The app's location: app://switchboard/index.html, or the electron-vite dev server's page when
 * ELECTRON_RENDERER_URL names one (development only, http(s) on a loopback host).
 */
export function appLocation(devServerUrl?: string): AppLocation {
  let entry: URL;
  if (devServerUrl) {
    const dev = parse(devServerUrl);
    if (!dev || (dev.protocol !== 'http:' && dev.protocol !== 'https:') || dev.username || dev.password) {
      throw new Error(
        `ELECTRON_RENDERER_URL must be the dev server's http(s) address, e.g. http://localhost:5173 (got "${devServerUrl}").`,
      );
    }
    entry = dev;
  } else {
    entry = new URL(APP_ENTRY_URL);
  }
  // For a non-special scheme such as app:, URL.origin is the string "null"; compare the parts instead.
  const sameOrigin = (u: URL) =>
    u.protocol === entry.protocol &&
    u.hostname === entry.hostname &&
    u.port === entry.port &&
    u.username === '' &&
    u.password === '';
  return {
    entryUrl: entry.href,
    isAppUrl(url) {
      const u = parse(url);
      return !!u && sameOrigin(u) && u.pathname === entry.pathname;
    },
    isAppOrigin(originOrUrl) {
      const u = parse(originOrUrl);
      return !!u && sameOrigin(u);
    },
  };
}

/**
 * The URL to hand to shell.openExternal for a link the agent clicked, or null to drop it. Only https:
 * leaves the app: file:, smb:, ms-msdt:, custom handlers and even http: can start programs, mount shares
 * or leak credentials through the OS, so they are never passed on. Credentials in the URL are refused too.
 */
export function externalLinkTarget(url: string): string | null {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || !u.hostname || u.username || u.password) return null;
  return u.href;
}

/**
 * Permissions the agent desktop uses: the microphone for the softphone (audio only, never the camera),
 * notifications for ringing and SLA alerts, writing copied text. Granted to our own origin only, never to
 * a page that got into a frame or the window.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set([
  'media',
  'notifications',
  'clipboard-sanitized-write',
]);

export interface PermissionQuery {
  permission: string;
  /** The URL (or origin) of the frame asking; unknown means refused. */
  requestingUrl: string | undefined;
  /** For 'media': what the page wants ('audio', 'video'); absent when Electron does not say. */
  mediaTypes?: readonly string[] | undefined;
}

export function permissionAllowed(location: AppLocation, query: PermissionQuery): boolean {
  if (!ALLOWED_PERMISSIONS.has(query.permission)) return false;
  if (!query.requestingUrl || !location.isAppOrigin(query.requestingUrl)) return false;
  if (query.permission === 'media' && query.mediaTypes?.some((t) => t !== 'audio')) return false;
  return true;
}

import { app, session, shell } from 'electron';
import type { WebContents } from 'electron';

/** CSP for the renderer; emotion (MUI) needs inline styles, nothing needs inline scripts or remote origins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // The softphone opens SIP over WebSocket to the PBX the central service names at sign-in (any host), so
  // WebSockets may leave; plain HTTP(S) requests may not.
  "connect-src 'self' ws: wss:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Permissions the agent desktop uses: microphone for the softphone, notifications for ringing and SLA alerts. */
const ALLOWED_PERMISSIONS = new Set(['media', 'notifications', 'clipboard-sanitized-write']);

export function hardenSession(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.has(permission));
  });
}

/**
 * No navigation away from the app and no new windows: a link to the web opens in the system browser,
 * everything else is refused. Applied to every web contents ever created.
 */
export function lockNavigation(isAppUrl: (url: string) => boolean): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//.test(url) && !isAppUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

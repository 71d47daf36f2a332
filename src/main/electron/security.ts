import { app, shell } from 'electron';
import type { Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './app-protocol';
import { externalLinkTarget, permissionAllowed } from './app-url';
import type { AppLocation } from './app-url';

export { CONTENT_SECURITY_POLICY };

/**
 * The session the window uses: CSP on every http(s) answer (the dev server; app:// answers carry it
 * themselves, app-protocol.ts), and permissions granted only to our own origin, both when a page asks
 * (request handler) and when Chromium checks silently (check handler, e.g. navigator.permissions.query or
 * enumerating microphones). USB, serial and HID devices are refused outright.
 */
export function hardenSession(ses: Session, location: AppLocation): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(permissionAllowed(location, { permission, requestingUrl: details.requestingUrl, mediaTypes }));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed(location, {
      permission,
      // requestingUrl is left out for cross-origin subframes: then the origin decides (and is not ours).
      requestingUrl: details.requestingUrl ?? requestingOrigin,
      mediaTypes: details.mediaType && details.mediaType !== 'unknown' ? [details.mediaType] : undefined,
    }),
  );
  ses.setDevicePermissionHandler(() => false);
}

/** An https link goes to the system browser; any other URL is dropped (externalLinkTarget). */
function openOutside(url: string): void {
  const target = externalLinkTarget(url);
  if (target) void shell.openExternal(target);
}

/**
 * No navigation away from the app and no new windows, in every web contents ever created: links, forms,
 * redirects, a file dropped on the window, frames, window.open, target=_blank, middle-click and
 * shift-click all end here. An https link the agent follows opens in the system browser; nothing else
 * leaves, and the window itself never shows anything but the app.
 */
export function lockNavigation(location: AppLocation): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event) => {
      if (location.isAppUrl(event.url)) return;
      event.preventDefault();
      openOutside(event.url);
    });
    // Fires for subframes as well as the main frame (will-navigate is main frame only); frames are
    // refused by the CSP too, this is the shell's own line.
    contents.on('will-frame-navigate', (event) => {
      if (!location.isAppUrl(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!location.isAppUrl(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openOutside(url);
      return { action: 'deny' };
    });
  });
}

import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  appLocation,
  externalLinkTarget,
  permissionAllowed,
} from '../../../src/main/electron/app-url';

// The shell trusts a frame with the desktop services (IPC), permissions and navigation only when its URL
// is the app's page. Each look-alike below passed the old prefix/substring check.

describe('the packaged app page (app://switchboard/index.html)', () => {
  const app = appLocation();

  it('loads and accepts its own page, with any query or fragment', () => {
    expect(app.entryUrl).toBe(APP_ENTRY_URL);
    expect(app.isAppUrl('app://switchboard/index.html')).toBe(true);
    expect(app.isAppUrl('app://switchboard/index.html#/tickets/42')).toBe(true);
    expect(app.isAppUrl('app://switchboard/index.html?lang=zh-CN')).toBe(true);
  });

  it.each([
    // A file:// page is never the app any more, wherever it lies.
    'file:///opt/Switchboard/resources/app.asar/out/renderer/index.html',
    'file:///evil/out/renderer/index.html.evil',
    'file:///home/mallory/Downloads/opt/Switchboard/resources/app.asar/out/renderer/index.html',
    'file:///opt/Switchboard/resources/app.asar/out/renderer/index.html.evil/x.html',
    // Same scheme, other host, port, credentials or path.
    'app://switchboard.evil/index.html',
    'app://evil/index.html',
    'app://switchboard:8080/index.html',
    'app://user@switchboard/index.html',
    'app://switchboard/index.html.evil',
    'app://switchboard/index.html/../evil.html',
    'app://switchboard/index.htmlx',
    'app://switchboard/evil/index.html',
    'app://switchboard/assets/index.js',
    'app://switchboard/',
    // Other schemes carrying our text.
    'https://evil.example/app://switchboard/index.html',
    'http://switchboard/index.html',
    'about:blank',
    'data:text/html,app://switchboard/index.html',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(app.isAppUrl(url)).toBe(false);
  });

  it('knows its origin for permissions, and nothing that only looks like it', () => {
    expect(app.isAppOrigin('app://switchboard')).toBe(true);
    expect(app.isAppOrigin('app://switchboard/index.html')).toBe(true);
    expect(app.isAppOrigin('app://switchboard.evil')).toBe(false);
    expect(app.isAppOrigin('file:///')).toBe(false);
    expect(app.isAppOrigin('null')).toBe(false);
  });
});

describe('the dev server page (ELECTRON_RENDERER_URL)', () => {
  const dev = appLocation('http://localhost:5173');

  it('loads and accepts the dev server page', () => {
    expect(dev.entryUrl).toBe('http://localhost:5173/');
    expect(dev.isAppUrl('http://localhost:5173')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5173/')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5173/#/queue')).toBe(true);
  });

  it.each([
    'http://localhost:5173.evil.com/',
    'http://localhost:51730/',
    'http://localhost:5173@evil.com/',
    'http://localhost:5173/evil/../../x@evil.com',
    'http://localhost:5173/evil.html',
    'https://localhost:5173/',
    'http://localhost/',
    'http://127.0.0.1:5173/',
    'app://switchboard/index.html',
  ])('refuses %s', (url) => {
    expect(dev.isAppUrl(url)).toBe(false);
  });

  it('refuses a dev server address that is not http(s), with a sentence saying what to set', () => {
    expect(() => appLocation('file:///tmp/index.html')).toThrow(/ELECTRON_RENDERER_URL.*http/);
    expect(() => appLocation('localhost:5173')).toThrow(/ELECTRON_RENDERER_URL/);
  });
});

describe('links that leave the app', () => {
  it('opens https links in the system browser', () => {
    expect(externalLinkTarget('https://example.com/help?q=1')).toBe('https://example.com/help?q=1');
  });

  it.each([
    'file:///C:/Windows/System32/calc.exe',
    'file://attacker.example/share/payload.exe',
    'smb://attacker.example/share',
    '\\\\attacker.example\\share',
    'ms-msdt:/id PCWDiagnostic',
    'search-ms:query=invoice&crumb=location:\\\\attacker.example\\share',
    'javascript:alert(1)',
    'vbscript:msgbox(1)',
    'http://example.com/',
    'https://user:password@example.com/',
    'app://switchboard/index.html',
    'mailto:someone@example.com',
    'not a url',
  ])('never hands %s to the operating system', (url) => {
    expect(externalLinkTarget(url)).toBeNull();
  });
});

describe('permissions', () => {
  const app = appLocation();
  const ask = (permission: string, requestingUrl: string | undefined, mediaTypes?: string[]) =>
    permissionAllowed(app, { permission, requestingUrl, mediaTypes });

  it('grants the microphone, notifications and copying to the app page', () => {
    expect(ask('media', 'app://switchboard/index.html', ['audio'])).toBe(true);
    expect(ask('media', 'app://switchboard/index.html')).toBe(true);
    expect(ask('notifications', 'app://switchboard/index.html')).toBe(true);
    expect(ask('clipboard-sanitized-write', 'app://switchboard')).toBe(true);
  });

  it('refuses them to any other origin, even a look-alike', () => {
    expect(ask('media', 'https://evil.example/', ['audio'])).toBe(false);
    expect(ask('notifications', 'app://switchboard.evil/index.html')).toBe(false);
    expect(ask('notifications', 'file:///evil/out/renderer/index.html')).toBe(false);
    expect(ask('media', undefined, ['audio'])).toBe(false);
  });

  it('refuses the camera and everything the desktop does not use, even to the app', () => {
    expect(ask('media', 'app://switchboard/index.html', ['audio', 'video'])).toBe(false);
    for (const permission of ['geolocation', 'openExternal', 'clipboard-read', 'hid', 'usb', 'serial']) {
      expect(ask(permission, 'app://switchboard/index.html'), permission).toBe(false);
    }
  });
});

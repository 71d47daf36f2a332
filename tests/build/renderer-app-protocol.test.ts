import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serveAppRequest } from '../../src/main/electron/app-protocol';
import { APP_ENTRY_URL } from '../../src/main/electron/app-url';

// The window loads app://switchboard/index.html: every asset the built page refers to must resolve under
// that origin and be answered by the app:// handler with the right type (a module script served with the
// wrong type is refused by Chromium, leaving a blank window).

const root = join(import.meta.dirname, '../..');
const rendererDir = join(root, 'out/renderer');

beforeAll(() => {
  // `npm test` builds before the unit tests; a lone run of this file builds on its own.
  if (existsSync(join(rendererDir, 'index.html'))) return;
  const r = spawnSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('electron-vite build failed; run `npm run build` to see why');
}, 120_000);

describe('the built renderer over app://', () => {
  it('serves the page and every script, style and icon it refers to', async () => {
    const page = await serveAppRequest(rendererDir, 'GET', APP_ENTRY_URL);
    expect(page.status).toBe(200);
    const html = Buffer.from(page.body!).toString('utf8');
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1]!)
      .filter((ref) => !ref.startsWith('data:'));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const url = new URL(ref, APP_ENTRY_URL);
      expect(`${url.protocol}//${url.host}`, ref).toBe('app://switchboard');
      const answer = await serveAppRequest(rendererDir, 'GET', url.href);
      expect(answer.status, url.href).toBe(200);
      if (ref.endsWith('.js')) expect(answer.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
      if (ref.endsWith('.css')) expect(answer.headers['Content-Type']).toBe('text/css; charset=utf-8');
    }
  });

  it('has a page whose own policy allows no script but its own files', () => {
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    expect(html).toMatch(/script-src 'self'[;"]/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });
});

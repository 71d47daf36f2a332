import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  resolveAppPath,
  serveAppRequest,
} from '../../../src/main/electron/app-protocol';
import { contentTypeOf } from '../../../src/main/renderer-page/headers';
import { tempDir } from '../fixtures';

// app://switchboard serves the built renderer folder and nothing else: the files an attacker wants are
// right next to it (the service database, the vault, the asar's main-process code).

let dir: ReturnType<typeof tempDir>;
let renderer: string;
const SECRET = 'outside the renderer: the agent vault';
const inside = new Map<string, string>();

beforeAll(() => {
  dir = tempDir('sb-app-protocol-');
  renderer = join(dir.path, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  const files: Record<string, string> = {
    'index.html': '<!doctype html><title>Switchboard</title><div id="root"></div>',
    'assets/index-abc123.js': 'console.log("app")',
    'assets/index-abc123.css': 'body{margin:0}',
    'assets/roboto.woff2': 'wOF2',
    'assets/blob.bin': 'bytes',
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(renderer, name), text);
    inside.set(name, text);
  }
  writeFileSync(join(dir.path, 'secret.txt'), SECRET);
  // A sibling whose name starts with the renderer folder's: a prefix check on paths lets it through.
  mkdirSync(join(dir.path, 'renderer-evil'));
  writeFileSync(join(dir.path, 'renderer-evil', 'secret.txt'), SECRET);
  symlinkSync(join(dir.path, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
});
afterAll(() => dir.remove());

const get = (url: string, method = 'GET') => serveAppRequest(renderer, method, url);
const text = (body: Uint8Array | null) => (body ? Buffer.from(body).toString('utf8') : '');

describe('app:// serves the renderer folder', () => {
  it('answers the page and its assets with their content types and the security headers', async () => {
    const page = await get('app://switchboard/index.html');
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('<div id="root">');
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['X-Content-Type-Options']).toBe('nosniff');

    const script = await get('app://switchboard/assets/index-abc123.js');
    expect(script.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(text(script.body)).toBe('console.log("app")');
    expect((await get('app://switchboard/assets/index-abc123.css')).headers['Content-Type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await get('app://switchboard/assets/roboto.woff2')).headers['Content-Type']).toBe('font/woff2');
    expect((await get('app://switchboard/assets/blob.bin')).headers['Content-Type']).toBe(
      'application/octet-stream',
    );
    // The root is the page, as a reload of app://switchboard/ would ask.
    expect(text((await get('app://switchboard/')).body)).toContain('<div id="root">');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('app://switchboard/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const post = await get('app://switchboard/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['Allow']).toBe('GET, HEAD');
  });

  it('answers 404 for a missing file or a folder, with the security headers still on', async () => {
    const missing = await get('app://switchboard/assets/missing.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await get('app://switchboard/assets')).status).toBe(404);
  });

  it('serves only its own host', async () => {
    expect((await get('app://evil/index.html')).status).toBe(404);
    expect((await get('app://switchboard:99/index.html')).status).toBe(404);
    expect((await get('file:///index.html')).status).toBe(404);
  });
});

describe('app:// refuses every way out of the renderer folder', () => {
  it.each([
    ['dot segments', 'app://switchboard/../secret.txt'],
    ['dot segments inside the path', 'app://switchboard/assets/../../secret.txt'],
    ['percent-encoded dots', 'app://switchboard/%2e%2e/secret.txt'],
    ['percent-encoded slashes', 'app://switchboard/assets/..%2f..%2fsecret.txt'],
    ['percent-encoded backslashes', 'app://switchboard/..%5csecret.txt'],
    ['raw backslashes', 'app://switchboard/..\\secret.txt'],
    ['double encoding', 'app://switchboard/%252e%252e/secret.txt'],
    ['an absolute path', 'app://switchboard/%2fetc%2fpasswd'],
    ['an empty segment', 'app://switchboard//etc/passwd'],
    ['a Windows drive', 'app://switchboard/C:%5cWindows%5cwin.ini'],
    ['a NUL byte', 'app://switchboard/index.html%00.js'],
    ['a sibling folder sharing the prefix', 'app://switchboard/..%2frenderer-evil%2fsecret.txt'],
    ['a symbolic link pointing outside', 'app://switchboard/assets/link.txt'],
    ['malformed percent-encoding', 'app://switchboard/%E0%A4%A'],
  ])('%s: %s', async (_what, url) => {
    const answer = await get(url);
    expect(answer.status).not.toBe(200);
    expect(text(answer.body)).not.toContain(SECRET);
  });

  it('names why a path is refused, before touching the disk', () => {
    expect(resolveAppPath('/srv/renderer', 'app://switchboard/assets/..%2f..%2fsecret.txt')).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(resolveAppPath('/srv/renderer', 'app://switchboard/%E0%A4%A')).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(resolveAppPath('/srv/renderer', 'app://switchboard/assets/a.js')).toEqual({
      ok: true,
      file: join('/srv/renderer', 'assets', 'a.js'),
    });
  });

  it('never answers anything but a file of the folder, whatever the path (property)', async () => {
    const segment = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E%2e',
      '.%2e',
      '%2f',
      '%5c',
      '\\',
      '%00',
      '',
      'assets',
      'index.html',
      'secret.txt',
      'renderer-evil',
      'link.txt',
      'index-abc123.js',
      '%252e%252e',
      'C:',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(segment, { maxLength: 3 }), { maxLength: 6 }), async (parts) => {
        const path = parts.map((p) => p.join('')).join('/');
        const answer = await get(`app://switchboard/${path}`);
        if (answer.status === 200) {
          expect([...inside.values()]).toContain(text(answer.body));
        } else {
          expect(text(answer.body)).not.toContain(SECRET);
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('keeps the content type from the file name, not from the bytes', () => {
    expect(contentTypeOf('x/INDEX.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('x/evil.html.exe')).toBe('application/octet-stream');
    expect(contentTypeOf('x/no-extension')).toBe('application/octet-stream');
  });
});

describe('the content security policy', () => {
  // electronegativity cannot read a policy held in a constant (it reports "Failed to parse CSP"), so the
  // policy the app:// answers and the session carry is evaluated here with the evaluator it uses.
  interface Finding {
    severity: number;
    directive: string;
    value?: string;
    description: string;
  }
  const csp = createRequire(import.meta.url)('@doyensec/csp-evaluator') as {
    CspParser: new (policy: string) => { csp: unknown };
    CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): Finding[] };
    Version: { CSP3: unknown };
    severities: Record<string, number>;
  };

  it('has no finding but the reminder that script-src self must host no user files', () => {
    const findings = new csp.CspEvaluator(new csp.CspParser(CONTENT_SECURITY_POLICY).csp, csp.Version.CSP3)
      .evaluate()
      .filter((f) => f.severity < (csp.severities['INFO'] ?? 60));
    // 'self' is app://switchboard, which serves only the files of our own build (no JSONP, no uploads).
    expect(findings.map((f) => `${f.directive}: ${f.severity}`)).toEqual([
      `script-src: ${csp.severities['MEDIUM_MAYBE']}`,
    ]);
  });

  it('allows no inline or remote script, no plugins, no frames and no base or form targets', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('frame-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('form-action')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
  });
});

// The wallboard page (issue 14): served at /wallboard under a strict CSP, its built files only; and the page's
// code kept to src/shared by lint, like the other parts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wallboardPageHandler } from '../../src/server/wallboard-page/wallboard-page';

const root = join(import.meta.dirname, '../..');

describe('the wallboard page', () => {
  const dir = { path: mkdtempSync(join(tmpdir(), 'wallboard-page-')) };
  let server: Server;
  let base = '';
  beforeAll(async () => {
    mkdirSync(join(dir.path, 'built/assets'), { recursive: true });
    writeFileSync(join(dir.path, 'built/index.html'), '<!doctype html><title>board</title>');
    writeFileSync(join(dir.path, 'built/assets/index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'secret.txt'), 'not for you');
    const built = wallboardPageHandler({ dir: join(dir.path, 'built') });
    const missing = wallboardPageHandler({ dir: join(dir.path, 'nothing-here') });
    server = createServer((req, res) => {
      const handler = req.headers['x-missing'] ? missing : built;
      if (!handler(req, res)) res.writeHead(418).end('not mine');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir.path, { recursive: true, force: true });
  });

  it('serves the page with a strict CSP and its hashed files, and nothing else', async () => {
    const page = await fetch(`${base}/wallboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>board</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');

    const js = await fetch(`${base}/wallboard/assets/index-abc.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');

    for (const path of [
      '/wallboard/assets/..%2F..%2Fsecret.txt',
      '/wallboard/../secret.txt',
      '/wallboard/x.js',
    ])
      expect((await fetch(`${base}${path}`)).status, path).not.toBe(200);
    expect((await fetch(`${base}/wallboard`, { method: 'POST' })).status).toBe(405);
    // Other paths are left to the rest of the service.
    expect((await fetch(`${base}/wallboards`)).status).toBe(418);
    expect((await fetch(`${base}/api/wallboard/config`)).status).toBe(418);
  });

  it('says the page is not built rather than failing', async () => {
    const res = await fetch(`${base}/wallboard`, { headers: { 'x-missing': '1' } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });

  it('lint keeps the page to src/shared, the browser and no inline-style libraries', async () => {
    const eslint = new ESLint({ cwd: root });
    const problems = async (code: string) => {
      const [r] = await eslint.lintText(code, { filePath: join(root, 'src/wallboard/x.ts') });
      return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
    };
    expect(
      await problems("import { startServer } from '../server/app';\nexport const s = startServer;\n"),
    ).toEqual([
      'local/part-boundaries: src/wallboard may import only src/shared, not src/server (see ARCHITECTURE.md).',
    ]);
    for (const lib of ['node:fs', '@mui/material', 'electron'])
      expect(await problems(`import * as m from '${lib}';\nexport const x = m;\n`), lib).toHaveLength(1);
    expect(
      await problems(
        "import { WALLBOARD_NAMESPACE } from '../shared/protocol/supervisor';\nexport const x = WALLBOARD_NAMESPACE;\n",
      ),
    ).toEqual([]);
  });
});

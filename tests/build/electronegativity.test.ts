import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/electronegativity.mjs (npm run check:electron) is the gate that keeps the Electron shell at zero
// unexplained findings; these tests show the gate closes on a regression, not only that it opens today.

const repo = join(import.meta.dirname, '../..');
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function check(root?: string) {
  const args = ['scripts/electronegativity.mjs', ...(root ? ['--root', root] : [])];
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** A copy of the shell's sources as the script scans them, to break on purpose. */
function copyOfShell(): string {
  const root = mkdtempSync(join(tmpdir(), 'sb-eng-'));
  roots.push(root);
  for (const input of ['src/main/electron', 'src/preload', 'package.json']) {
    cpSync(join(repo, input), join(root, input), { recursive: true });
  }
  return root;
}

describe('npm run check:electron', () => {
  it('passes on the shell as it is, offline, and prints its figures', () => {
    const { status, out, err } = check();
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(out).toMatch(/files scanned: \d+/);
    expect(out).toMatch(/checks run: \d+/);
    expect(out).toMatch(/findings: \d+ \(HIGH 0, MEDIUM \d+, LOW \d+, INFORMATIONAL \d+\)/);
  });

  it('fails when the window lets middle-click open links again', () => {
    const root = copyOfShell();
    const index = join(root, 'src/main/electron/index.ts');
    const source = readFileSync(index, 'utf8');
    expect(source).toContain("disableBlinkFeatures: 'Auxclick',");
    writeFileSync(index, source.replace("disableBlinkFeatures: 'Auxclick',", ''));
    const { status, err } = check(root);
    expect(status).toBe(1);
    expect(err).toMatch(/1 finding\(s\) above INFORMATIONAL without an exception/);
    expect(err).toContain('AUXCLICK_JS_CHECK src/main/electron/index.ts');
  });

  it('fails on an insecure shell, and on exceptions that no longer match anything', () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-eng-'));
    roots.push(root);
    mkdirSync(join(root, 'src/main/electron'), { recursive: true });
    mkdirSync(join(root, 'src/preload'), { recursive: true });
    writeFileSync(
      join(root, 'src/main/electron/index.ts'),
      `import { BrowserWindow } from 'electron';
const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });
void w.loadURL('file:///index.html');
`,
    );
    writeFileSync(join(root, 'src/preload/index.ts'), 'export {};\n');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ devDependencies: { electron: '^41.0.0' } }));
    const { status, err } = check(root);
    expect(status).toBe(1);
    for (const id of [
      'SANDBOX_JS_CHECK',
      'AUXCLICK_JS_CHECK',
      'CONTEXT_ISOLATION_JS_CHECK',
      'LIMIT_NAVIGATION_GLOBAL_CHECK',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
      'CSP_GLOBAL_CHECK',
    ]) {
      expect(err).toContain(id);
    }
    expect(err).toMatch(/stale exception PRELOAD_JS_CHECK/);
  });
});

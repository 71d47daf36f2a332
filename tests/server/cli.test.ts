import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('server CLI', () => {
  it('prints the listening line when ready, serves, keeps the signing secret owner-only and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const db = join(dir, 'server.sqlite');
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'src/server/cli.ts', '--port', '0', '--db', db, '--seed', 'none'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no listening line in time: ${out}`)), 45_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Switchboard server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
      });
      const health = (await (await fetch(`${url}/api/health`)).json()) as { ok: boolean };
      expect(health.ok).toBe(true);
      expect(statSync(`${db}.jwt-secret`).mode & 0o777).toBe(0o600);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

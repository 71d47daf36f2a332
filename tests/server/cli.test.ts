import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app';
import { freshDatabase, TEST_DIALECT } from './test-db';

// The CLI runs in node with tsx's loader, as `npm run server` and scripts/start.mjs run it, not under the tsx
// command: that wrapper SIGKILLs a child that takes more than 30 ms to acknowledge a relayed signal, and a
// service starting up on PostgreSQL (its first SLA computation) could be that busy when SIGTERM came.
describe('server CLI', () => {
  it('prints the listening line when ready, serves, keeps the signing and PBX secrets owner-only and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    const db = join(dir, 'server.sqlite');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--db', db, '--seed', 'none'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SWITCHBOARD_PBX_SECRET: '' },
      },
    );
    let out = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
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

      // No PBX secret configured: one is generated, its place is printed, never its value, and the PBX
      // endpoints refuse whoever does not send it, loopback included.
      const pbxSecret = readFileSync(`${db}.pbx-secret`, 'utf8').trim();
      expect(statSync(`${db}.pbx-secret`).mode & 0o777).toBe(0o600);
      expect(out).toContain(`${db}.pbx-secret`);
      const routing = `${url}/api/voice/route?queue=8001&caller=1&callid=c1`;
      expect((await fetch(routing)).status).toBe(403);
      expect((await fetch(routing, { headers: { 'x-switchboard-pbx-secret': pbxSecret } })).status).toBe(404);
      await expect.poll(() => out).toMatch(/PBX request refused/);
      expect(out).not.toContain(pbxSecret);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a sign-in throttle setting that is not a whole number of at least 1, naming it', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/server/cli.ts', '--db', ':memory:', '--login-lockout-after', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/--login-lockout-after .*SWITCHBOARD_LOGIN_LOCKOUT_AFTER.* at least 1, got "0"/);
  }, 60_000);

  it.skipIf(TEST_DIALECT !== 'postgres')(
    'runs on a postgres:// URL given to --db, never printing its password, and stops on SIGTERM',
    async () => {
      const store = await freshDatabase();
      const url = new URL(store.location);
      url.password = 'not-for-the-log'; // the test cluster trusts loopback, so any password signs in
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--db', url.toString(), '--seed', 'demo'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, SWITCHBOARD_PBX_SECRET: '', SWITCHBOARD_DB: '' },
        },
      );
      let out = '';
      try {
        const base = await new Promise<string>((resolve, reject) => {
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
        expect(out).toMatch(/store: PostgreSQL postgres:\/\/switchboard:\*\*\*@127\.0\.0\.1/);
        expect(out).toMatch(/PBX secret generated in the database/);
        expect(out).not.toContain('not-for-the-log');
        const res = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'agent01', password: 'switchboard' }),
        });
        expect(res.status).toBe(200); // the demo data went into PostgreSQL
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await store.drop();
      }
    },
    60_000,
  );

  it.skipIf(TEST_DIALECT !== 'postgres')(
    'says so at start when the PostgreSQL database sorts text otherwise than SQLite does',
    async () => {
      const lines: string[] = [];
      const start = async (pgOptions: string) => {
        const store = await freshDatabase(pgOptions);
        const server = await startServer({
          port: 0,
          dbPath: store.location,
          log: (l) => lines.push(l),
          jwtSecret: 'x'.repeat(32),
          pbxSecret: 'y'.repeat(32),
        });
        await server.close();
        await store.drop();
      };
      await start(''); // the test cluster's C collation
      expect(lines.join('\n')).not.toMatch(/sorts text/);
      await start("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'");
      expect(lines.join('\n')).toMatch(/sorts text by the collation ICU; SQLite .* sort bytewise/);
    },
    60_000,
  );
});

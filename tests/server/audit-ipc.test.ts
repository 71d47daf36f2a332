// The audit panel's path: renderer -> desktop services (IPC contract) -> the server's admin audit API.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../main/fixtures';
import { desktop, type TestDesktop } from '../main/sync/helpers';
import { startTestServer, type TestServer } from './helpers';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let admin: TestDesktop;
let agent: TestDesktop;

beforeAll(async () => {
  dir = tempDir('sb-audit-ipc-');
  server = await startTestServer({ tickets: 20, customers: 10 });
  admin = desktop(join(dir.path, 'admin'));
  agent = desktop(join(dir.path, 'agent01'), { deviceId: 'agent-device' });
  for (const [d, username] of [
    [admin, 'admin'],
    [agent, 'agent01'],
  ] as const)
    await d.call('auth.login', { serverUrl: server.url, username, password: 'switchboard', remember: false });
}, 60_000);

afterAll(async () => {
  await admin?.services.dispose();
  await agent?.services.dispose();
  await server?.stop();
  dir?.remove();
});

describe('the audit panel through the desktop services', () => {
  it('verifies, searches and exports for an administrator', async () => {
    const report = await admin.call('audit.verify', {});
    expect(report).toMatchObject({ ok: true, broken: null });
    expect(report.records).toBeGreaterThan(0);

    const page = await admin.call('audit.search', { action: 'auth.login', limit: 10 });
    expect(page.records.map((r) => r.action)).toContain('auth.login');

    const file = await admin.call('audit.export', { format: 'csv', action: 'auth.login' });
    expect(file.fileName).toMatch(/^audit-.*\.csv$/);
    expect(file.text.split('\n')[0]).toBe('seq,at,actor_id,source,action,subject_id,detail,hash');
    const exports = await admin.call('audit.search', { action: 'audit.export', limit: 10 });
    expect(exports.records).toHaveLength(1);
  });

  it('gives an agent the forbidden error, and nothing of the trail', async () => {
    for (const [method, input] of [
      ['audit.verify', {}],
      ['audit.search', { limit: 10 }],
      ['audit.export', { format: 'json' }],
    ] as const) {
      const r = await agent.services.invoke(method, input);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('forbidden');
    }
  });
});

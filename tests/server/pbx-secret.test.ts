import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PBX_SECRET_HEADER } from '../../src/shared';
import { startServer, type RunningServer } from '../../src/server/app';
import { openDatabase } from '../../src/server/db/open';
import { startTestServer, TEST_PBX_SECRET, type TestServer } from './helpers';
import { agentSessions, callEvent, mustSetState, route } from './voice-helpers';

/**
 * The PBX endpoints (routing, call events) reserve agents and end calls: they answer only requests carrying
 * the service's PBX secret, from loopback too (a web page can make a browser call 127.0.0.1), and there is
 * always a secret unless the database is in memory, where they refuse everything.
 */

const routeUrl = (base: string) => `${base}/api/voice/route?queue=8001&caller=13800138000&callid=probe-1`;
const postEvent = (base: string, headers: Record<string, string>) =>
  fetch(`${base}/api/voice/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ callId: 'probe-1', event: 'ended' }),
  });

describe('a server started without a PBX secret', () => {
  let dir: string;
  const lines: string[] = [];
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    lines.length = 0;
  });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-secret-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (dbPath: string) =>
    startServer({
      port: 0,
      dbPath,
      seed: 'none',
      jwtSecret: 'pbx-secret-test-jwt-secret-pbx-secret',
      log: (l) => lines.push(l),
    });

  it('generates one beside the database, owner-only, says where (never what), and keeps it across restarts', async () => {
    const dbPath = join(dir, 'server.sqlite');
    server = await start(dbPath);
    const file = `${dbPath}.pbx-secret`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(lines.some((l) => l.includes(file))).toBe(true);

    // Loopback without the secret, and with a wrong one, is refused with a clear 403 and a log line.
    const bare = await fetch(routeUrl(server.url));
    expect(bare.status).toBe(403);
    expect(await bare.json()).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(PBX_SECRET_HEADER),
    });
    expect((await fetch(routeUrl(server.url), { headers: { [PBX_SECRET_HEADER]: 'wrong' } })).status).toBe(
      403,
    );
    expect((await postEvent(server.url, { [PBX_SECRET_HEADER]: 'wrong' })).status).toBe(403);
    expect((await postEvent(server.url, {})).status).toBe(401); // neither the PBX nor a signed-in desktop
    expect(lines.some((l) => /PBX request refused from .*127\.0\.0\.1/.test(l))).toBe(true);
    // With the file's secret it is the PBX: no such queue here, so 404 (the PBX answers the caller 480).
    expect((await fetch(routeUrl(server.url), { headers: { [PBX_SECRET_HEADER]: secret } })).status).toBe(
      404,
    );
    expect(lines.join('\n')).not.toContain(secret);

    await server.close();
    server = await start(dbPath);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect((await fetch(routeUrl(server.url), { headers: { [PBX_SECRET_HEADER]: secret } })).status).toBe(
      404,
    );
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('in memory, with nowhere to keep one, refuses every PBX request and says why', async () => {
    server = await start(':memory:');
    expect(lines.some((l) => /No PBX secret is configured/.test(l))).toBe(true);
    const res = await fetch(routeUrl(server.url));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ message: expect.stringMatching(/no PBX secret is configured/) });
    expect((await postEvent(server.url, { [PBX_SECRET_HEADER]: 'anything' })).status).toBe(403);
  });
});

describe('PBX requests are audited', () => {
  let server: TestServer;
  const agents = agentSessions(() => server);
  beforeAll(async () => {
    server = await startTestServer({ tickets: 40, customers: 20 });
  });
  afterAll(async () => {
    agents.closeAll();
    await server?.stop();
  });

  it('one record per routing answer and per call event, none for a refused request', async () => {
    const agent = await agents.session('agent01');
    await mustSetState(agent, 'Available');
    expect((await fetch(routeUrl(server.url))).status).toBe(403);
    const routed = await route(server.url, '8001', 'audited-1');
    expect(routed.body).toMatch(/^1001\n/);
    expect((await callEvent(server.url, 'audited-1', 'answered', TEST_PBX_SECRET)).status).toBe(200);
    expect((await callEvent(server.url, 'audited-1', 'ended')).status).toBe(200);
    expect((await route(server.url, '8001', 'audited-2')).status).toBe(404); // agent01 is in wrap-up

    const db = openDatabase(server.dbPath);
    try {
      await expect
        .poll(
          async () =>
            (await db.selectFrom('audit_log').select('seq').where('action', 'like', 'pbx.%').execute())
              .length,
        )
        .toBe(4);
      const rows = await db
        .selectFrom('audit_log')
        .select(['action', 'subject_id', 'detail'])
        .where('action', 'like', 'pbx.%')
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => [r.action, JSON.parse(r.detail) as unknown])).toEqual([
        ['pbx.route', expect.objectContaining({ queue: '8001', callId: 'audited-1', extension: '1001' })],
        ['pbx.call_event', { callId: 'audited-1', event: 'answered' }],
        ['pbx.call_event', { callId: 'audited-1', event: 'ended' }],
        ['pbx.route', expect.objectContaining({ callId: 'audited-2', extension: null })],
      ]);
      expect(rows[0]!.subject_id).toBe(agent.session.user.id);
    } finally {
      await db.destroy();
    }
  });
});

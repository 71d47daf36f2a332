import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_REST, AuditPage } from '../../src/shared';
import { login, postJson, startTestServer, type TestServer } from './helpers';
import { mustSetState, signIn, until } from './voice-helpers';

/** The admin audit API on a real server: only administrators search, export and verify; exports are audited. */
let server: TestServer;
let admin: string;
let agent: string;
let supervisor: string;

beforeAll(async () => {
  server = await startTestServer({ tickets: 20, customers: 10 });
  admin = (await login(server.url, 'admin')).accessToken;
  agent = (await login(server.url, 'agent01')).accessToken;
  supervisor = (await login(server.url, 'super01')).accessToken;
});
afterAll(async () => {
  await server.stop();
});

const get = (path: string, token?: string) =>
  fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('the admin audit API', () => {
  it('refuses agents and supervisors with the forbidden error, and callers without a token', async () => {
    for (const path of [
      AUDIT_REST.verify,
      `${AUDIT_REST.records}?limit=5`,
      `${AUDIT_REST.export}?format=csv`,
    ]) {
      for (const token of [agent, supervisor]) {
        const res = await get(path, token);
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ code: 'forbidden' });
      }
      expect((await get(path)).status).toBe(401);
    }
  });

  it('finds sign-ins by actor, action and time, newest first, page by page', async () => {
    const me = (await login(server.url, 'agent02')).user;
    const first = AuditPage.parse(
      await (await get(`${AUDIT_REST.records}?actor=${me.id}&action=auth.login&limit=1`, admin)).json(),
    );
    expect(first.records).toHaveLength(1);
    expect(first.records[0]).toMatchObject({ actorId: me.id, action: 'auth.login', subjectId: me.id });
    // Named for the auditor, whoever the actor is (admins are in no department's directory).
    expect(first.actors).toEqual({ [me.id]: me.displayName });
    const adminUser = (await login(server.url, 'admin')).user;
    const adminPage = AuditPage.parse(
      await (
        await get(`${AUDIT_REST.records}?actor=${adminUser.id}&action=auth.login&limit=1`, admin)
      ).json(),
    );
    expect(adminPage.actors).toEqual({ [adminUser.id]: adminUser.displayName });
    // From where: the address the sign-in came from.
    expect(first.records[0]!.source).toMatch(/127\.0\.0\.1/);
    const prefix = AuditPage.parse(
      await (await get(`${AUDIT_REST.records}?action=auth.*&limit=2`, admin)).json(),
    );
    expect(prefix.records).toHaveLength(2);
    expect(prefix.records[0]!.seq).toBeGreaterThan(prefix.records[1]!.seq);
    expect(prefix.nextBefore).toBe(prefix.records[1]!.seq);
    const older = AuditPage.parse(
      await (
        await get(`${AUDIT_REST.records}?action=auth.*&limit=2&before=${prefix.nextBefore}`, admin)
      ).json(),
    );
    expect(older.records[0]!.seq).toBeLessThan(prefix.nextBefore!);
    const future = AuditPage.parse(
      await (await get(`${AUDIT_REST.records}?from=2999-01-01T00:00:00Z`, admin)).json(),
    );
    expect(future).toEqual({ records: [], nextBefore: null, actors: {} });
  });

  it('exports CSV and JSON, and records each export in the audit trail', async () => {
    const csv = await get(`${AUDIT_REST.export}?format=csv&action=auth.login`, admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('seq,at,actor_id,source,action,subject_id,detail,hash');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.slice(1).every((l) => l.split(',')[4] === 'auth.login')).toBe(true);

    const json = await get(`${AUDIT_REST.export}?format=json&action=auth.login`, admin);
    const records = (await json.json()) as { seq: number; action: string; detail: unknown }[];
    expect(records.length).toBe(lines.length - 1);
    expect(records.every((r) => r.action === 'auth.login' && typeof r.detail === 'object')).toBe(true);

    const exports = AuditPage.parse(
      await (await get(`${AUDIT_REST.records}?action=audit.export`, admin)).json(),
    );
    expect(exports.records.map((r) => r.detail.format)).toEqual(['json', 'csv']);
    expect(exports.records[0]!.detail.filters).toEqual({ action: 'auth.login' });
  });

  it('records agent-state changes (before and after) and token refreshes (from where)', async () => {
    const a = await signIn(server.url, 'agent03');
    try {
      await mustSetState(a, 'Break', { reason: 'meeting' });
      const refreshed = await postJson(`${server.url}/api/auth/refresh`, {
        refreshToken: a.session.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      const id = a.session.user.id;
      // Agent states are written behind the answer (voice-service.ts): the record lands with that write.
      const states = await until(async () => {
        const page = AuditPage.parse(
          await (await get(`${AUDIT_REST.records}?subject=${id}&action=agent.state`, admin)).json(),
        );
        return page.records.some((r) => (r.detail.after as { state?: string }).state === 'Break')
          ? page
          : undefined;
      });
      expect(states.records[0]).toMatchObject({
        actorId: id,
        detail: { after: { state: 'Break', reason: 'meeting' } },
      });
      expect(states.records[0]!.detail.before).toHaveProperty('state');
      const refresh = AuditPage.parse(
        await (await get(`${AUDIT_REST.records}?actor=${id}&action=auth.refresh`, admin)).json(),
      );
      expect(refresh.records).toHaveLength(1);
      expect(refresh.records[0]!.source).toMatch(/127\.0\.0\.1/);
    } finally {
      a.socket.close();
    }
  });

  it('verifies the chain for an administrator', async () => {
    const res = await get(AUDIT_REST.verify, admin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, pending: 0, broken: null });
  });
});

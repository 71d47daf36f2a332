import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { ErrorBody, LoginResponse } from '../../src/shared';
import { errorText } from '../../src/renderer/i18n/error-text';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { login, postJson, startTestServer, type TestServer } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ tickets: 60, customers: 30 });
});
afterAll(async () => server?.stop());

describe('sign-in over REST', () => {
  it('signs a demo agent in with their department', async () => {
    const res = await postJson(`${server.url}/api/auth/login`, {
      username: 'agent05',
      password: 'switchboard',
    });
    expect(res.status).toBe(200);
    const body = LoginResponse.parse(res.body);
    expect(body.user).toMatchObject({ username: 'agent05', role: 'agent' });
    expect(body.department?.code).toBe('tech');
    expect(body.expiresIn).toBe(900);
    const upper = await postJson(`${server.url}/api/auth/login`, {
      username: 'Agent05',
      password: 'switchboard',
    });
    expect(upper.status).toBe(200);
  });

  it('gives the same answer for a wrong password and an unknown user', async () => {
    const wrong = await postJson(`${server.url}/api/auth/login`, { username: 'agent05', password: 'nope' });
    const unknown = await postJson(`${server.url}/api/auth/login`, { username: 'nobody', password: 'nope' });
    expect(wrong.status).toBe(401);
    // Its own code: the sentence for it speaks of the name and password, never of an ended session.
    expect(wrong.body).toEqual({ code: 'wrong_credentials', message: 'Wrong user name or password.' });
    expect(unknown).toEqual(wrong);

    // What the sign-in screen shows for it, in both languages: the name and password, not an ended session.
    const i = i18next.createInstance();
    await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en' });
    const body = ErrorBody.parse(wrong.body);
    expect(errorText(i.t, body).headline).toMatch(/^The user name or password is not correct/);
    expect(errorText(i.t, body).headline).not.toMatch(/session/i);
    await i.changeLanguage('zh-CN');
    expect(errorText(i.t, body).headline).toMatch(/^用户名或密码不正确/);
    expect(errorText(i.t, body).headline).not.toContain('会话');
  });

  it('answers bad input with 400 and names each wrong field', async () => {
    const res = await postJson(`${server.url}/api/auth/login`, { username: '', password: 5 });
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(res.body);
    expect(body.code).toBe('bad_request');
    expect(body.issues?.map((i) => i.path).sort()).toEqual(['password', 'username']);
    const garbled = await postJson(`${server.url}/api/auth/login`, '{"username":');
    expect(garbled.status).toBe(400);
    expect(garbled.body.code).toBe('bad_request');
  });

  it('rotates refresh tokens: the new one works, the old one no longer does', async () => {
    const first = await login(server.url, 'agent01');
    const rotated = await postJson(`${server.url}/api/auth/refresh`, { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    const second = LoginResponse.parse(rotated.body);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const replayed = await postJson(`${server.url}/api/auth/refresh`, { refreshToken: first.refreshToken });
    expect(replayed.status).toBe(401);
    // Reusing a rotated token looks like theft: the whole session ends, including the newest token.
    const after = await postJson(`${server.url}/api/auth/refresh`, { refreshToken: second.refreshToken });
    expect(after.status).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const session = await login(server.url, 'agent02');
    expect(
      (await postJson(`${server.url}/api/auth/logout`, { refreshToken: session.refreshToken })).status,
    ).toBe(200);
    const res = await postJson(`${server.url}/api/auth/refresh`, { refreshToken: session.refreshToken });
    expect(res.status).toBe(401);
  });

  it('reports health with the change-stream head', async () => {
    const res = await fetch(`${server.url}/api/health`);
    const body = (await res.json()) as { ok: boolean; version: number };
    expect(body.ok).toBe(true);
    expect(body.version).toBeGreaterThan(0);
  });
});

describe('GET /api/tickets/:id', () => {
  async function firstTicketIdOf(token: string): Promise<string> {
    const { connectSocket, pullAll } = await import('./helpers');
    const socket = await connectSocket(server.url, token);
    try {
      const { changes } = await pullAll(socket);
      const t = changes.find((c) => c.kind === 'ticket' && c.op === 'upsert');
      if (!t || t.op !== 'upsert') throw new Error('no ticket in scope');
      return t.data.id;
    } finally {
      socket.close();
    }
  }

  it('returns a ticket of the caller department with comments and history, and 404 for another department', async () => {
    const billing = await login(server.url, 'agent09');
    const tech = await login(server.url, 'agent05');
    const id = await firstTicketIdOf(billing.accessToken);

    const own = await fetch(`${server.url}/api/tickets/${id}`, {
      headers: { authorization: `Bearer ${billing.accessToken}` },
    });
    expect(own.status).toBe(200);
    const body = (await own.json()) as { ticket: { id: string }; comments: unknown[]; history: unknown[] };
    expect(body.ticket.id).toBe(id);
    expect(Array.isArray(body.comments) && Array.isArray(body.history)).toBe(true);

    const other = await fetch(`${server.url}/api/tickets/${id}`, {
      headers: { authorization: `Bearer ${tech.accessToken}` },
    });
    expect(other.status).toBe(404);
    const anonymous = await fetch(`${server.url}/api/tickets/${id}`);
    expect(anonymous.status).toBe(401);
  });
});

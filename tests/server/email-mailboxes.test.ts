import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './helpers';
import { sendToService, startEmailServer, type EmailTestServer } from './email-helpers';

/** Administrators decide which addresses take support mail and for which department; nobody else may. */
describe('support mailboxes', () => {
  let server: EmailTestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startEmailServer();
    admin = (await login(server.url, 'admin')).accessToken;
  });
  afterAll(() => server.stop());

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('lists the demo mailboxes, one for each demo department', async () => {
    const r = await call('GET', '/api/admin/email/mailboxes', admin);
    expect(r.status).toBe(200);
    expect((r.body.mailboxes as { address: string }[]).map((m) => m.address)).toEqual([
      'aftersales@support.switchboard.test',
      'billing@support.switchboard.test',
      'tech@support.switchboard.test',
    ]);
  });

  it('takes mail for a mailbox an admin adds, and refuses it again once removed; agents cannot change them', async () => {
    const { user } = await login(server.url, 'agent05');
    const address = 'VIP@Support.Switchboard.test';
    const mail = {
      from: 'vip@customer.example',
      to: 'vip@support.switchboard.test',
      subject: 'Hi',
      text: 'Hello',
    };
    expect(await sendToService(server.email.smtpPort!, mail)).toMatchObject({ ok: false, code: 550 });

    const agent = (await login(server.url, 'agent05')).accessToken;
    const refused = await call('PUT', `/api/admin/email/mailboxes/${address}`, agent, {
      departmentId: user.departmentId,
      displayName: 'VIP',
    });
    expect(refused.status).toBe(403);

    const bad = await call('PUT', `/api/admin/email/mailboxes/${address}`, admin, {
      departmentId: user.departmentId,
      displayName: 'VIP',
      relayHost: 'mail.example',
    });
    expect(bad.status).toBe(400);

    const put = await call('PUT', `/api/admin/email/mailboxes/${address}`, admin, {
      departmentId: user.departmentId,
      displayName: 'VIP support',
    });
    expect(put.status).toBe(200);
    expect(put.body.mailbox).toMatchObject({ address: 'vip@support.switchboard.test', relayHost: null });
    expect(await sendToService(server.email.smtpPort!, mail)).toEqual({ ok: true });

    expect((await call('DELETE', `/api/admin/email/mailboxes/${address}`, admin)).status).toBe(200);
    expect(await sendToService(server.email.smtpPort!, mail)).toMatchObject({ ok: false, code: 550 });
    expect((await call('DELETE', `/api/admin/email/mailboxes/${address}`, admin)).status).toBe(404);
  });
});

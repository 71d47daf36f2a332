import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanFileName } from '../../src/server/attachments/attachment-store';
import { openDatabase } from '../../src/server/db/open';
import { login } from './helpers';
import { BILLING, sendToService, startEmailServer, type EmailTestServer } from './email-helpers';

/**
 * GET /api/attachments/:id answers only whoever may read the ticket (its department, or everyone's for a
 * supervisor without a department), never for a deleted ticket, and never as a page the browser would render.
 */
describe('attachments', () => {
  let server: EmailTestServer;
  let id: string;
  let ticketId: string;
  const html = Buffer.from('<html><script>alert(1)</script></html>');

  beforeAll(async () => {
    server = await startEmailServer({ attachments: { maxBytes: 1000 } });
    await sendToService(server.email.smtpPort!, {
      from: 'files@customer.example',
      to: BILLING,
      subject: 'Two files',
      text: 'See attached.',
      messageId: '<files-1@customer.example>',
      attachments: [
        { filename: '../../etc/passwd\u0007.txt', content: html, contentType: 'text/plain' },
        { filename: 'big.pdf', content: Buffer.alloc(5000, 1), contentType: 'application/pdf' },
      ],
    });
    const db = openDatabase(server.dbPath);
    const row = await db.selectFrom('attachments').selectAll().executeTakeFirstOrThrow();
    const count = await db
      .selectFrom('attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    id = row.id;
    ticketId = row.ticket_id;
    const ticket = await db
      .selectFrom('tickets')
      .select('description')
      .where('id', '=', ticketId)
      .executeTakeFirstOrThrow();
    expect(ticket.description).toMatch(/big\.pdf was not kept: it is 5000 bytes, more than the 1000 allowed/);
    await db.destroy();
  });
  afterAll(() => server.stop());

  const get = async (user: string | null, which = id) => {
    const headers: Record<string, string> = user
      ? { authorization: `Bearer ${(await login(server.url, user)).accessToken}` }
      : {};
    return fetch(`${server.url}/api/attachments/${which}`, { headers });
  };

  it('serves the file as a download under a clean name, to the ticket’s department and admins only', async () => {
    const ok = await get('agent10');
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(html);
    expect(ok.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''passwd.txt");
    expect(ok.headers.get('content-security-policy')).toContain('sandbox');
    expect((await get('admin')).status).toBe(200);
    expect((await get('agent01')).status).toBe(404);
    expect((await get(null)).status).toBe(401);
    expect((await get('agent10', randomUUID())).status).toBe(404);
    expect((await get('agent10', 'not-an-id')).status).toBe(400);
  });

  it('is gone with a deleted ticket', async () => {
    const { accessToken } = await login(server.url, 'admin');
    const auth = { authorization: `Bearer ${accessToken}` };
    const { ticket } = (await (
      await fetch(`${server.url}/api/tickets/${ticketId}`, { headers: auth })
    ).json()) as {
      ticket: { version: number };
    };
    const del = await fetch(`${server.url}/api/tickets/${ticketId}`, {
      method: 'DELETE',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ baseVersion: ticket.version, reason: 'spam' }),
    });
    expect(del.status).toBe(200);
    expect((await get('agent10')).status).toBe(404);
  });

  it('keeps names readable and harmless', () => {
    expect(cleanFileName('C:\\Users\\me\\报价单.xlsx')).toBe('报价单.xlsx');
    expect(cleanFileName('a"b\r\n.pdf')).toBe('ab.pdf');
    expect(cleanFileName('')).toBe('attachment');
    expect(cleanFileName(undefined)).toBe('attachment');
  });
});

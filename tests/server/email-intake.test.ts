import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketComment, type Ticket } from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { randomUUID } from 'node:crypto';
import { connectSocket, login, pushAll } from './helpers';
import { BILLING, sendToService, startEmailServer, TECH, type EmailTestServer } from './email-helpers';
import { auditRecords } from './audit-wait';

/**
 * Support mail in, through the service's own SMTP listener on loopback, sent with nodemailer as a mail server
 * would: tickets for the right customer, replies threaded, automatic mail and loops dropped, bad mail refused.
 */
describe('email intake', () => {
  let server: EmailTestServer;
  let db: Db;
  let port: number;
  let billingId: string;

  beforeAll(async () => {
    server = await startEmailServer({ maxMessageBytes: 200_000, senderWindow: { mails: 4, seconds: 600 } });
    port = server.email.smtpPort!;
    db = openDatabase(server.dbPath);
    billingId = (
      await db.selectFrom('departments').select('id').where('code', '=', 'billing').executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => {
    await db.destroy();
    await server.stop();
  });

  const ticketOfMail = async (messageId: string) =>
    db.selectFrom('email_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
  const countOf = async (table: 'tickets' | 'email_messages' | 'ticket_comments' | 'attachments') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const detail = async (ticketId: string, user = 'agent09') => {
    const { accessToken } = await login(server.url, user);
    const res = await fetch(`${server.url}/api/tickets/${ticketId}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const body = (await res.json()) as { ticket: Ticket; comments: unknown[] };
    return {
      status: res.status,
      ticket: body.ticket,
      comments: body.comments?.map((c) => TicketComment.parse(c)),
    };
  };

  it('makes a ticket on the email channel for the one customer of the sender, in the mailbox department', async () => {
    // A customer the billing department already knows, written to with their address in another case.
    const known = await db
      .selectFrom('customers as c')
      .innerJoin('tickets as t', 't.customer_id', 'c.id')
      .select(['c.id', 'c.email'])
      .where('t.department_id', '=', billingId)
      .where('c.email', 'is not', null)
      .executeTakeFirstOrThrow();
    const r = await sendToService(port, {
      from: { name: 'Someone Else', address: known.email!.toUpperCase() },
      to: BILLING,
      subject: 'Invoice 2291 charged twice',
      text: 'Hello, my card was charged twice for invoice 2291.',
      messageId: '<first-1@customer.example>',
    });
    expect(r).toEqual({ ok: true });
    const mail = await ticketOfMail('<first-1@customer.example>');
    expect(mail?.outcome).toBe('ticket');
    const { ticket } = await detail(mail!.ticket_id!);
    expect(ticket).toMatchObject({
      channel: 'email',
      departmentId: billingId,
      customerId: known.id,
      subject: 'Invoice 2291 charged twice',
      status: 'new',
    });
    expect(ticket.description).toContain('charged twice for invoice 2291');

    // A new address becomes a new customer of that department, found again by its next mail.
    await sendToService(port, {
      from: 'new.person@customer.example',
      to: BILLING,
      subject: 'Refund',
      text: 'Where is my refund?',
      messageId: '<np-1@customer.example>',
    });
    await sendToService(port, {
      from: 'New.Person@customer.example',
      to: BILLING,
      subject: 'Another question',
      text: 'And a receipt?',
      messageId: '<np-2@customer.example>',
    });
    const a = await detail((await ticketOfMail('<np-1@customer.example>'))!.ticket_id!);
    const b = await detail((await ticketOfMail('<np-2@customer.example>'))!.ticket_id!);
    expect(a.ticket.id).not.toBe(b.ticket.id);
    expect(a.ticket.customerId).toBe(b.ticket.customerId);
    const customer = await db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', a.ticket.customerId)
      .executeTakeFirstOrThrow();
    expect(customer.email).toBe('new.person@customer.example');
  });

  it('threads a reply by In-Reply-To, and by the subject token from the same customer, as the customer’s comment', async () => {
    await sendToService(port, {
      from: 'Li Hua <li.hua@customer.example>',
      to: BILLING,
      subject: 'Wrong amount',
      text: 'The bill is wrong.',
      messageId: '<lh-1@customer.example>',
    });
    const first = (await ticketOfMail('<lh-1@customer.example>'))!;
    const tickets = await countOf('tickets');

    await sendToService(port, {
      from: 'Li Hua <li.hua@customer.example>',
      to: BILLING,
      subject: 'Re: Wrong amount',
      text: 'Here is more detail: 120 instead of 80.',
      messageId: '<lh-2@customer.example>',
      inReplyTo: '<lh-1@customer.example>',
      references: ['<lh-1@customer.example>'],
    });
    const { ticket, comments } = await detail(first.ticket_id!);
    expect((await ticketOfMail('<lh-2@customer.example>'))?.ticket_id).toBe(first.ticket_id);
    expect(comments.at(-1)).toMatchObject({
      authorId: null,
      authorName: 'Li Hua',
      fromCustomer: true,
      internal: false,
      body: 'Here is more detail: 120 instead of 80.',
    });

    // No threading headers at all (a new mail from the customer's phone), only the token.
    await sendToService(port, {
      from: 'li.hua@customer.example',
      to: BILLING,
      subject: `Still waiting [#${ticket.number}]`,
      text: 'Any news?',
      messageId: '<lh-3@customer.example>',
    });
    expect((await ticketOfMail('<lh-3@customer.example>'))?.ticket_id).toBe(first.ticket_id);
    expect(await countOf('tickets')).toBe(tickets);

    // The same token from a stranger does not put their mail on Li Hua's ticket.
    await sendToService(port, {
      from: 'stranger@elsewhere.example',
      to: BILLING,
      subject: `About [#${ticket.number}]`,
      text: 'Let me in',
      messageId: '<st-1@elsewhere.example>',
    });
    const stranger = await ticketOfMail('<st-1@elsewhere.example>');
    expect(stranger?.outcome).toBe('ticket');
    expect(stranger?.ticket_id).not.toBe(first.ticket_id);
  });

  it('opens a ticket waiting on the customer again when they answer, and files an answer to a closed one anew', async () => {
    await sendToService(port, {
      from: 'Zhao Yun <zhao.yun@customer.example>',
      to: BILLING,
      subject: 'Bank slip',
      text: 'Which account?',
      messageId: '<zy-1@customer.example>',
    });
    const ticketId = (await ticketOfMail('<zy-1@customer.example>'))!.ticket_id!;
    const { accessToken } = await login(server.url, 'agent09');
    const socket = await connectSocket(server.url, accessToken);
    const setStatus = async (status: 'pending' | 'closed') => {
      const { ticket } = await detail(ticketId);
      const [r] = await pushAll(socket, [
        {
          id: randomUUID(),
          name: 'ticket.update',
          args: { ticketId, baseVersion: ticket.version, patch: { status } },
        },
      ]);
      expect(r?.status).toBe('applied');
    };
    try {
      await setStatus('pending');
      await sendToService(port, {
        from: 'zhao.yun@customer.example',
        to: BILLING,
        subject: 'Re: Bank slip',
        text: 'The one ending 8821.',
        messageId: '<zy-2@customer.example>',
        inReplyTo: '<zy-1@customer.example>',
      });
      expect((await detail(ticketId)).ticket.status).toBe('open');

      await setStatus('closed');
      await sendToService(port, {
        from: 'zhao.yun@customer.example',
        to: BILLING,
        subject: 'Re: Bank slip',
        text: 'One more thing.',
        messageId: '<zy-3@customer.example>',
        inReplyTo: '<zy-2@customer.example>',
      });
      const again = (await ticketOfMail('<zy-3@customer.example>'))!;
      expect(again.outcome).toBe('ticket');
      expect(again.ticket_id).not.toBe(ticketId);
      expect((await detail(ticketId)).ticket.status).toBe('closed');
    } finally {
      socket.close();
    }
  });

  it('drops auto-replies, mailing lists, mail from our own mailboxes and a sender that loops, keeping them on record', async () => {
    const tickets = await countOf('tickets');
    const drop = async (messageId: string, mail: Parameters<typeof sendToService>[1]) => {
      expect(
        await sendToService(port, {
          to: BILLING,
          subject: 'Out of office',
          text: 'I am away.',
          messageId,
          ...mail,
        }),
      ).toEqual({ ok: true });
      const row = await ticketOfMail(messageId);
      expect(row).toMatchObject({ outcome: 'dropped', ticket_id: null });
      return row!.reason;
    };
    expect(
      await drop('<ooo-1@x.example>', { from: 'a@x.example', headers: { 'Auto-Submitted': 'auto-replied' } }),
    ).toMatch(/auto-submitted/);
    expect(
      await drop('<ooo-2@x.example>', { from: 'b@x.example', headers: { 'X-Autoreply': 'yes' } }),
    ).toMatch(/x-autoreply/);
    expect(await drop('<ooo-3@x.example>', { from: 'c@x.example', headers: { Precedence: 'bulk' } })).toMatch(
      /precedence/,
    );
    expect(
      await drop('<ooo-4@x.example>', { from: 'd@x.example', headers: { 'List-Id': '<news.x.example>' } }),
    ).toMatch(/list/);
    expect(await drop('<ooo-5@x.example>', { from: TECH })).toMatch(/own support mailboxes/);
    expect(
      await drop('<ooo-6@x.example>', { from: 'e@x.example', envelope: { from: '', to: BILLING } }),
    ).toMatch(/bounce/);
    expect(await countOf('tickets')).toBe(tickets);

    // A responder that answers every mail: the first four of the window are taken, the fifth is a loop.
    for (let i = 1; i <= 4; i++)
      await sendToService(port, {
        from: 'robot@loop.example',
        to: BILLING,
        subject: `Ticket ${i}`,
        text: 'Thanks for your mail',
        messageId: `<loop-${i}@loop.example>`,
      });
    expect(await countOf('tickets')).toBe(tickets + 4);
    expect(await drop('<loop-5@loop.example>', { from: 'robot@loop.example' })).toMatch(
      /more than 4 mails from this sender/,
    );
    expect(await countOf('tickets')).toBe(tickets + 4);

    expect(await auditRecords(db, { action: 'email.dropped' })).toHaveLength(7);
  });

  it('refuses unknown recipients, oversized and malformed mail with the SMTP error, recording nothing', async () => {
    const before = { tickets: await countOf('tickets'), mails: await countOf('email_messages') };
    const unknown = await sendToService(port, {
      from: 'a@customer.example',
      to: 'nobody@support.switchboard.test',
      subject: 'x',
      text: 'x',
    });
    expect(unknown).toMatchObject({ ok: false, code: 550 });
    expect(unknown.ok === false && unknown.message).toMatch(/no such support mailbox/);
    // Not a relay either: another domain's address is refused the same way.
    expect(
      await sendToService(port, {
        from: 'a@customer.example',
        to: 'someone@gmail.com',
        subject: 'x',
        text: 'x',
      }),
    ).toMatchObject({ ok: false, code: 550 });

    const big = await sendToService(port, {
      from: 'a@customer.example',
      to: BILLING,
      subject: 'Big',
      text: 'x'.repeat(300_000),
    });
    expect(big).toMatchObject({ ok: false, code: 552 });
    expect(big.ok === false && big.message).toMatch(/too big.*200000 bytes/);

    const noFrom = await sendToService(port, {
      envelope: { from: 'a@customer.example', to: BILLING },
      raw: 'To: billing@support.switchboard.test\r\nSubject: no sender\r\n\r\nwho am I\r\n',
    });
    expect(noFrom).toMatchObject({ ok: false, code: 550 });
    expect(noFrom.ok === false && noFrom.message).toMatch(/no valid From address/);
    expect({ tickets: await countOf('tickets'), mails: await countOf('email_messages') }).toEqual(before);
  });

  it('keeps allowed attachments, serves them with the ticket’s scope checks, and says which were refused', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% a small statement\n');
    await sendToService(port, {
      from: 'files@customer.example',
      to: BILLING,
      subject: 'Statement attached',
      text: 'See the statement.',
      messageId: '<att-1@customer.example>',
      attachments: [
        { filename: 'statement.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'setup.exe', content: Buffer.from('MZ...'), contentType: 'application/x-msdownload' },
      ],
    });
    const row = (await ticketOfMail('<att-1@customer.example>'))!;
    const { ticket, comments } = await detail(row.ticket_id!);
    expect(ticket.description).toMatch(/setup\.exe was not kept: files of type application\/x-msdownload/);
    const withFiles = comments.find((c) => (c.attachments ?? []).length > 0)!;
    expect(withFiles.attachments).toEqual([
      { id: expect.any(String), fileName: 'statement.pdf', contentType: 'application/pdf', size: pdf.length },
    ]);
    const id = withFiles.attachments![0]!.id;

    const get = async (user: string | null) => {
      const headers: Record<string, string> = user
        ? { authorization: `Bearer ${(await login(server.url, user)).accessToken}` }
        : {};
      return fetch(`${server.url}/api/attachments/${id}`, { headers });
    };
    const ok = await get('agent09');
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(pdf);
    expect(ok.headers.get('content-disposition')).toMatch(/^attachment; filename\*=UTF-8''statement\.pdf$/);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    // Another department's agent: as if it did not exist. Nobody signed in: refused.
    expect((await get('agent05')).status).toBe(404);
    expect((await get(null)).status).toBe(401);
  });

  it('keeps at most the files one comment carries, and names the rest', async () => {
    const files = Array.from({ length: 52 }, (_, i) => ({
      filename: `page-${i + 1}.txt`,
      content: `page ${i + 1}`,
      contentType: 'text/plain',
    }));
    await sendToService(port, {
      from: 'many@customer.example',
      to: BILLING,
      subject: 'Many pages',
      text: 'All pages attached.',
      messageId: '<many-1@customer.example>',
      attachments: files,
    });
    const row = (await ticketOfMail('<many-1@customer.example>'))!;
    const { ticket, comments } = await detail(row.ticket_id!);
    expect(comments.flatMap((c) => c.attachments ?? [])).toHaveLength(50);
    expect(ticket.description).toMatch(/page-51\.txt was not kept: at most 50 files/);
    expect(ticket.description).toMatch(/page-52\.txt was not kept/);
  });

  it('takes a repeated delivery of one mail once', async () => {
    const mail = {
      from: 'twice@customer.example',
      to: BILLING,
      subject: 'Twice',
      text: 'Sent twice',
      messageId: '<twice-1@customer.example>',
    };
    await sendToService(port, mail);
    const tickets = await countOf('tickets');
    expect(await sendToService(port, mail)).toEqual({ ok: true });
    expect(await countOf('tickets')).toBe(tickets);
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TicketComment } from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import type { Db } from '../../src/server/db/schema';
import { connectSocket, login, pushAll } from './helpers';
import {
  BILLING,
  freePort,
  sendToService,
  startEmailServer,
  startSink,
  type EmailTestServer,
  type Sink,
} from './email-helpers';

/**
 * Agents' public replies on email tickets go out over SMTP to a real sink on loopback (the relay), threaded
 * under the customer's mail; an outbox keeps them through a relay outage and a restart, and sends each once.
 */
describe('email replies', () => {
  const open: { server?: EmailTestServer; sink?: Sink; db?: Db }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.db?.destroy();
      await o.sink?.close();
      await o.server?.stop();
    }
  });

  async function customerMail(server: EmailTestServer, id: string) {
    await sendToService(server.email.smtpPort!, {
      from: 'Wang Lei <wang.lei@customer.example>',
      to: BILLING,
      subject: 'Refund for order 5521',
      text: 'Please refund order 5521.',
      messageId: `<${id}@customer.example>`,
    });
    const db = openDatabase(server.dbPath);
    open.push({ db });
    const row = await db
      .selectFrom('email_messages')
      .selectAll()
      .where('message_id', '=', `<${id}@customer.example>`)
      .executeTakeFirstOrThrow();
    const ticket = await db
      .selectFrom('tickets')
      .select(['id', 'number'])
      .where('id', '=', row.ticket_id!)
      .executeTakeFirstOrThrow();
    return { db, ticketId: ticket.id, number: ticket.number };
  }

  async function reply(server: EmailTestServer, ticketId: string, body: string, internal = false) {
    const { accessToken } = await login(server.url, 'agent09');
    const socket = await connectSocket(server.url, accessToken);
    const commentId = randomUUID();
    const [r] = await pushAll(socket, [
      { id: randomUUID(), name: 'ticket.comment', args: { commentId, ticketId, body, internal } },
    ]);
    socket.close();
    expect(r?.status).toBe('applied');
    return commentId;
  }

  async function comment(server: EmailTestServer, ticketId: string, commentId: string) {
    const { accessToken } = await login(server.url, 'agent09');
    const res = await fetch(`${server.url}/api/tickets/${ticketId}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const body = (await res.json()) as { comments: unknown[] };
    return body.comments.map((c) => TicketComment.parse(c)).find((c) => c.id === commentId)!;
  }

  it('sends the agent’s public reply to the customer, threaded, and threads the customer’s answer to it', async () => {
    const sink = await startSink();
    const server = await startEmailServer({ relay: { host: '127.0.0.1', port: sink.port } });
    open.push({ server, sink });
    const { db, ticketId, number } = await customerMail(server, 'wl-1');

    const commentId = await reply(
      server,
      ticketId,
      'We have refunded order 5521; it reaches your card in 3 days.',
    );
    const mail = await sink.received(1);
    expect(sink.mails[0]!.envelopeTo).toEqual(['wang.lei@customer.example']);
    expect(mail.from?.value[0]).toMatchObject({ address: BILLING });
    expect(mail.subject).toBe(`Re: Refund for order 5521 [#${number}]`);
    expect(mail.inReplyTo).toBe('<wl-1@customer.example>');
    expect(mail.references).toBe('<wl-1@customer.example>');
    expect(mail.messageId).toBe(`<${commentId}@support.switchboard.test>`);
    expect(mail.text?.trim()).toBe('We have refunded order 5521; it reaches your card in 3 days.');
    // The mark reaches the comment once the relay took it (the sender records it just after).
    await server.email.sendDue();
    expect((await comment(server, ticketId, commentId)).delivery).toMatchObject({
      state: 'sent',
      error: null,
    });

    // An internal note never leaves.
    const note = await reply(server, ticketId, 'Checked with finance.', true);
    await server.email.sendDue();
    expect(sink.mails).toHaveLength(1);
    expect((await comment(server, ticketId, note)).delivery ?? null).toBeNull();

    // The customer answers the agent's mail: it threads by In-Reply-To into the same ticket.
    await sendToService(server.email.smtpPort!, {
      from: 'wang.lei@customer.example',
      to: BILLING,
      subject: mail.subject,
      text: 'Thank you!',
      messageId: '<wl-2@customer.example>',
      inReplyTo: mail.messageId,
      references: [mail.messageId!],
    });
    const answer = await db
      .selectFrom('email_messages')
      .selectAll()
      .where('message_id', '=', '<wl-2@customer.example>')
      .executeTakeFirstOrThrow();
    expect(answer).toMatchObject({ outcome: 'threaded', ticket_id: ticketId });

    // The second reply names the whole thread.
    await reply(server, ticketId, 'You are welcome.');
    const second = await sink.received(2);
    expect(second.inReplyTo).toBe('<wl-2@customer.example>');
    expect(second.references).toEqual(['<wl-1@customer.example>', mail.messageId, '<wl-2@customer.example>']);
  });

  it('keeps a reply queued while the relay is down and delivers it once when it is back', async () => {
    const relayPort = await freePort();
    const server = await startEmailServer({
      relay: { host: '127.0.0.1', port: relayPort },
      retry: { firstMs: 60_000 },
    });
    open.push({ server });
    const { ticketId } = await customerMail(server, 'down-1');
    const commentId = await reply(server, ticketId, 'Your refund is on its way.');

    await server.email.sendDue();
    const queued = await comment(server, ticketId, commentId);
    expect(queued.delivery).toMatchObject({ state: 'queued', error: expect.stringMatching(/ECONNREFUSED/) });

    const sink = await startSink(relayPort);
    open.push({ sink });
    // Not due yet: the next try waits a minute. (Counted at the sink: the sender's own passes may run too.)
    await server.email.sendDue();
    expect(sink.mails).toHaveLength(0);
    server.clock.now = new Date(server.clock.now.getTime() + 61_000);
    await server.email.sendDue();
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]!.parsed.messageId).toBe(`<${commentId}@support.switchboard.test>`);
    server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
    await server.email.sendDue();
    expect(sink.mails).toHaveLength(1);
    expect((await comment(server, ticketId, commentId)).delivery).toMatchObject({
      state: 'sent',
      error: null,
    });
  });

  it('keeps the queue through a restart', async () => {
    const relayPort = await freePort();
    let server = await startEmailServer({ relay: { host: '127.0.0.1', port: relayPort } });
    const entry: { server?: EmailTestServer } = { server };
    open.push(entry);
    const { ticketId, db } = await customerMail(server, 'restart-1');
    const commentId = await reply(server, ticketId, 'We will call you tomorrow.');
    await server.email.sendDue();
    await db.destroy();
    open.splice(
      open.findIndex((o) => o.db === db),
      1,
    );

    const sink = await startSink(relayPort);
    open.push({ sink });
    server = await server.restart({ relay: { host: '127.0.0.1', port: relayPort } });
    entry.server = server;
    server.clock.now = new Date(server.clock.now.getTime() + 3_600_000);
    await server.email.sendDue();
    await server.email.sendDue();
    expect(sink.mails.map((m) => m.parsed.messageId)).toEqual([`<${commentId}@support.switchboard.test>`]);
    expect((await comment(server, ticketId, commentId)).delivery).toMatchObject({ state: 'sent' });
  });

  it('writes to the customer’s address on an email ticket an agent filed, and says so when there is none', async () => {
    const sink = await startSink();
    const server = await startEmailServer({ relay: { host: '127.0.0.1', port: sink.port } });
    open.push({ server, sink });
    const db = openDatabase(server.dbPath);
    open.push({ db });
    const { accessToken, user } = await login(server.url, 'agent09');
    const socket = await connectSocket(server.url, accessToken);
    const withMail = randomUUID();
    const withoutMail = randomUUID();
    const created = await pushAll(socket, [
      {
        id: randomUUID(),
        name: 'customer.create',
        args: {
          customerId: withMail,
          name: '周敏',
          phone: null,
          email: 'zhou.min@customer.example',
          company: null,
          language: 'zh-CN',
          createdAt: new Date().toISOString(),
        },
      },
      {
        id: randomUUID(),
        name: 'customer.create',
        args: {
          customerId: withoutMail,
          name: '吴刚',
          phone: '+8613900001111',
          email: null,
          company: null,
          language: 'zh-CN',
          createdAt: new Date().toISOString(),
        },
      },
    ]);
    expect(created.map((r) => r.status)).toEqual(['applied', 'applied']);
    const file = async (customerId: string) => {
      const ticketId = randomUUID();
      const [r] = await pushAll(socket, [
        {
          id: randomUUID(),
          name: 'ticket.create',
          args: {
            ticketId,
            customerId,
            departmentId: user.departmentId!,
            subject: '账单说明',
            description: '',
            status: 'new',
            priority: 'normal',
            assigneeId: null,
            interactionId: null,
            createdAt: new Date().toISOString(),
            channel: 'email',
          },
        },
      ]);
      expect(r?.status).toBe('applied');
      return ticketId;
    };
    const a = await file(withMail);
    const b = await file(withoutMail);
    socket.close();

    const sent = await reply(server, a, '周女士您好，账单说明见下。');
    const mail = await sink.received(1);
    expect(sink.mails[0]!.envelopeTo).toEqual(['zhou.min@customer.example']);
    expect(mail.from?.value[0]?.address).toBe(BILLING);
    expect(mail.inReplyTo).toBeUndefined();
    await server.email.sendDue();
    expect((await comment(server, a, sent)).delivery).toMatchObject({ state: 'sent' });

    const none = await reply(server, b, '吴先生您好');
    expect((await comment(server, b, none)).delivery).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/no email address: add one/),
    });
  });

  it('marks a reply failed, with the relay’s reason, when the relay refuses it for good', async () => {
    const relayPort = await freePort();
    const server = await startEmailServer({ relay: { host: '127.0.0.1', port: relayPort } });
    open.push({ server });
    const { SMTPServer } = await import('smtp-server');
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo: (_a, _s, cb) =>
        cb(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 })),
    });
    await new Promise<void>((resolve) => refusing.listen(relayPort, '127.0.0.1', resolve));
    try {
      const { ticketId } = await customerMail(server, 'refused-1');
      const commentId = await reply(server, ticketId, 'Hello');
      await server.email.sendDue();
      expect((await comment(server, ticketId, commentId)).delivery).toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/Mailbox unavailable/),
      });
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, signIn, waitFor, type TestDesktop } from '../main/sync/helpers';
import { tempDir } from '../main/fixtures';
import {
  BILLING,
  sendToService,
  startEmailServer,
  startSink,
  type EmailTestServer,
  type Sink,
} from './email-helpers';

/**
 * The agent's desktop (the real desktop services and replica, synced from the real service): a customer's mail
 * shows as the customer's comment with its file, the file downloads, and a reply's delivery state follows the
 * relay.
 */
describe('email on the desktop', () => {
  let server: EmailTestServer;
  let sink: Sink;
  let agent: TestDesktop;
  const dir = tempDir('sb-email-desktop-');

  beforeAll(async () => {
    sink = await startSink();
    server = await startEmailServer({ relay: { host: '127.0.0.1', port: sink.port } });
    agent = desktop(dir.path);
    await signIn(agent, server.url, 'agent09');
  }, 60_000);
  afterAll(async () => {
    await agent?.services.dispose();
    await sink?.close();
    await server?.stop();
    dir.remove();
  });

  it('shows the customer’s mail and file, downloads it, and follows the reply to sent', async () => {
    await sendToService(server.email.smtpPort!, {
      from: 'Chen Yu <chen.yu@customer.example>',
      to: BILLING,
      subject: 'Receipt for March',
      text: 'I need the March receipt.',
      messageId: '<cy-1@customer.example>',
    });
    const found = async () => (await agent.call('tickets.search', { text: 'March receipt', limit: 5 })).rows;
    await waitFor(async () => (await found()).length > 0, 'the mailed ticket in the replica');
    const row = (await found())[0]!;
    expect(row.channel).toBe('email');
    const { ticket } = await agent.call('tickets.get', { id: row.id });

    const text = 'Attached is what I was charged.';
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x66, 0x61, 0x6b, 0x65]);
    await sendToService(server.email.smtpPort!, {
      from: 'chen.yu@customer.example',
      to: BILLING,
      subject: `Re: Receipt for March [#${ticket.number}]`,
      text,
      messageId: '<cy-2@customer.example>',
      inReplyTo: '<cy-1@customer.example>',
      attachments: [{ filename: '收据.png', content: png, contentType: 'image/png' }],
    });
    const customerComment = async () =>
      (await agent.call('tickets.get', { id: row.id })).comments.find((c) => c.body === text);
    await waitFor(
      async () => (await customerComment()) !== undefined,
      'the customer’s comment in the replica',
    );
    const c = (await customerComment())!;
    expect(c).toMatchObject({ fromCustomer: true, authorId: null, internal: false });
    expect(c.attachments).toEqual([
      { id: expect.any(String), fileName: '收据.png', contentType: 'image/png', size: 12 },
    ]);
    const file = await agent.call('attachments.get', { id: c.attachments![0]!.id });
    expect(file.fileName).toBe('收据.png');
    expect(Buffer.from(file.base64, 'base64')).toEqual(png);

    const reply = await agent.call('tickets.comment', {
      ticketId: row.id,
      body: 'Here is your receipt.',
      internal: false,
    });
    const mail = await sink.received(1);
    expect(mail.inReplyTo).toBe('<cy-2@customer.example>');
    const delivered = async () =>
      (await agent.call('tickets.get', { id: row.id })).comments.find((x) => x.id === reply.id)?.delivery
        ?.state;
    await waitFor(async () => (await delivered()) === 'sent', 'the reply marked sent in the replica');
  }, 60_000);

  it('lets an administrator’s desktop manage the mailboxes, and refuses an agent’s', async () => {
    const adminDir = tempDir('sb-email-admin-');
    const admin = desktop(adminDir.path, { deviceId: 'admin-device' });
    try {
      await signIn(admin, server.url, 'admin');
      const before = await admin.call('email.mailboxes', {});
      const billing = before.mailboxes.find((m) => m.address === BILLING)!;
      await admin.call('email.mailboxSave', {
        address: 'Refunds@Support.Switchboard.test',
        input: {
          departmentId: billing.departmentId,
          displayName: '退款 Refunds',
          relayHost: null,
          relayPort: null,
        },
      });
      const after = await admin.call('email.mailboxes', {});
      expect(after.mailboxes.map((m) => m.address)).toContain('refunds@support.switchboard.test');
      expect(
        await sendToService(server.email.smtpPort!, {
          from: 'r@customer.example',
          to: 'refunds@support.switchboard.test',
          subject: 'Refund',
          text: 'Please',
        }),
      ).toEqual({ ok: true });
      await admin.call('email.mailboxRemove', { address: 'refunds@support.switchboard.test' });
      expect(
        await sendToService(server.email.smtpPort!, {
          from: 'r@customer.example',
          to: 'refunds@support.switchboard.test',
          subject: 'Refund',
          text: 'Please',
        }),
      ).toMatchObject({ ok: false, code: 550 });

      const refused = await agent.services.invoke('email.mailboxSave', {
        address: 'x@support.switchboard.test',
        input: { departmentId: billing.departmentId, displayName: 'X', relayHost: null, relayPort: null },
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    } finally {
      await admin.services.dispose();
      adminDir.remove();
    }
  }, 60_000);
});

import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSink, type Sink } from '../server/email-helpers';
import {
  launchChromium,
  shootBothLanguages,
  signIn,
  startHost,
  startProcess,
  tempDir,
  untilTicketsSettled,
  type Proc,
} from './harness';
import type { Browser } from 'playwright-core';

/**
 * Email end to end (issue 13): the service started as `npm run server` is, with its SMTP listener and a relay
 * (a real SMTP sink on loopback). A customer's mail sent with nodemailer becomes a ticket agent09 (Billing)
 * finds in Chromium; the customer's follow-up with a file threads into it; the agent's reply arrives at the
 * sink threaded and the comment says it was sent. SWITCHBOARD_SCREENS=<folder> saves the thread in both
 * languages.
 */
const BILLING = 'billing@support.switchboard.test';

describe('email in the workbench', () => {
  const dir = tempDir('sb-email-e2e-');
  let sink: Sink;
  let server: Proc;
  let host: Proc;
  let browser: Browser;
  let smtpPort: number;

  beforeAll(async () => {
    sink = await startSink();
    smtpPort = await freePort();
    server = await startProcess(
      'src/server/cli.ts',
      [
        '--port',
        '0',
        '--db',
        join(dir.path, 'server.sqlite'),
        '--seed',
        'demo',
        '--smtp-port',
        String(smtpPort),
        '--smtp-relay',
        `127.0.0.1:${sink.port}`,
      ],
      /listening on http/,
    );
    host = await startHost(dir.path, { serverUrls: [server.url] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await server?.stop();
    await sink?.close();
    dir.remove();
  });

  const send = async (mail: Mail.Options) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail(mail);
    } finally {
      transport.close();
    }
  };

  it('turns a mail into a ticket the agent answers by mail, threaded', async () => {
    await send({
      from: { name: '刘佳', address: 'liu.jia@customer.example' },
      to: BILLING,
      subject: '发票金额有误 Invoice amount wrong, order QX7781',
      text: '您好，三月份的发票金额多收了 120 元，请核实并退款。\n\n刘佳',
      messageId: '<lj-1@customer.example>',
    });

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'agent09');
    await untilTicketsSettled(page);
    await page.getByTestId('ticket-search').fill('QX7781');
    await expect.poll(() => page.getByTestId('ticket-count').getAttribute('data-query')).toBe('QX7781');
    const row = page.getByTestId('ticket-row').filter({ hasText: 'QX7781' });
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    await row.click();
    await page.getByTestId('ticket-detail').waitFor();
    const number = (await page.getByTestId('ticket-number').innerText()).trim().replace(/^#/, '');

    // The customer writes again, with a file, naming the ticket only by its token.
    await send({
      from: 'liu.jia@customer.example',
      to: BILLING,
      subject: `Re: 发票金额有误 [#${number}]`,
      text: '附上发票照片。',
      messageId: '<lj-2@customer.example>',
      attachments: [
        { filename: '发票.pdf', content: Buffer.from('%PDF-1.4\n%\n'), contentType: 'application/pdf' },
      ],
    });
    const customerComment = page.locator('[data-testid="comment-item"][data-from-customer="true"]');
    await expect.poll(() => customerComment.count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(() => customerComment.getByTestId('comment-attachment').innerText())
      .toContain('发票.pdf');

    // The file downloads from the comment.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      customerComment.getByTestId('comment-attachment').click(),
    ]);
    expect(download.suggestedFilename()).toBe('发票.pdf');

    await page.getByTestId('comment-input').fill('刘女士您好，多收的 120 元已退回，3 个工作日内到账。');
    await page.getByTestId('comment-submit').click();
    const mail = await sink.received(1);
    expect(mail.subject).toBe(`Re: 发票金额有误 Invoice amount wrong, order QX7781 [#${number}]`);
    expect(mail.inReplyTo).toBe('<lj-2@customer.example>');
    expect(mail.references).toEqual(['<lj-1@customer.example>', '<lj-2@customer.example>']);
    const delivery = page.locator('[data-testid="comment-item"] [data-testid="comment-delivery"]');
    await expect.poll(() => delivery.getAttribute('data-state'), { timeout: 30_000 }).toBe('sent');
    await shootBothLanguages(page, 'email-thread');

    // The relay goes down: the next reply waits, saying why, and goes out once the relay is back.
    const relayPort = sink.port;
    await sink.close();
    await page.getByTestId('comment-input').fill('发票原件已寄出，请注意查收。');
    await page.getByTestId('comment-submit').click();
    const last = page.locator('[data-testid="comment-item"]').last().getByTestId('comment-delivery');
    await expect
      .poll(() => last.getAttribute('aria-label'), { timeout: 30_000 })
      .toMatch(/trying again.*ECONNREFUSED/);
    expect(await last.getAttribute('data-state')).toBe('queued');
    await shootBothLanguages(page, 'email-queued');
    sink = await startSink(relayPort);
    await sink.received(1);
    await expect.poll(() => last.getAttribute('data-state'), { timeout: 60_000 }).toBe('sent');
    await context.close();
  });

  it('lets the administrator add a support mailbox that then takes mail', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, { hostUrl: host.url, serverUrl: server.url }, 'admin');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-email').click();
    // The administrator's first sync (every department) keeps the desktop busy for a while.
    await expect.poll(() => page.getByTestId('admin-mailbox-row').count(), { timeout: 30_000 }).toBe(3);
    await page.getByTestId('admin-mailbox-new').click();
    await page.getByTestId('admin-mailbox-address').fill('VIP@support.switchboard.test');
    await page.getByTestId('admin-mailbox-name').fill('Switchboard VIP 贵宾服务');
    await shootBothLanguages(page, 'email-admin-dialog');
    await page.getByTestId('admin-mailbox-save').click();
    await page.getByTestId('admin-mailbox-dialog').waitFor({ state: 'detached' });
    await expect
      .poll(
        () =>
          page
            .locator('[data-testid="admin-mailbox-row"][data-address="vip@support.switchboard.test"]')
            .count(),
        { timeout: 30_000 },
      )
      .toBe(1);
    await shootBothLanguages(page, 'email-admin');
    await send({
      from: 'vip.customer@customer.example',
      to: 'vip@support.switchboard.test',
      subject: 'VIP',
      text: 'Hello',
    });
    await context.close();
  });
});

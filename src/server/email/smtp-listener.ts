import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { takeMail, RefusedMail, type IntakeDeps } from './intake';
import { mailboxOf } from './mailbox-store';

export interface SmtpListenerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Largest mail taken, in bytes (advertised as SIZE); default 25 MB. */
  maxMessageBytes?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/** An SMTP refusal: smtp-server answers the client with this code and text. */
const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/**
 * The support mail listener: mail only for configured mailboxes (anything else is refused at RCPT, so the
 * service is never a relay), up to a size, parsed and handed to intake before the 250 answer, so a mail that
 * was accepted is recorded. What it refuses, and why, is answered to the sender and logged; nothing is recorded.
 * Plain SMTP without AUTH: run it on loopback behind the organisation's MX (README "Email").
 */
export async function startSmtpListener(
  deps: IntakeDeps,
  opts: SmtpListenerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const { log } = deps;
  const who = (s: SMTPServerSession) =>
    `${s.remoteAddress} (${s.envelope.mailFrom ? s.envelope.mailFrom.address || '<>' : '?'})`;
  const server = new SMTPServer({
    name: 'switchboard',
    banner: 'Switchboard support mail',
    size: maxBytes,
    authOptional: true,
    // Mail servers open a handful of connections at most; this bounds what a flood can hold open.
    maxClients: 50,
    // The sender's address is logged as it is: a reverse DNS lookup per connection only adds a wait.
    disableReverseLookup: true,
    // No certificate is configured: TLS is for the MX in front (README "Email").
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, session, callback) {
      mailboxOf(deps.db, address.address).then(
        (mailbox) => {
          if (mailbox) return callback();
          log(`SMTP: refused mail from ${who(session)} for ${address.address}: not a support mailbox.`);
          callback(
            smtpError(550, `5.1.1 <${address.address}>: no such support mailbox here. Check the address.`),
          );
        },
        (e: unknown) => {
          log(`SMTP: mailbox lookup failed: ${String(e)}`);
          callback(smtpError(451, '4.3.0 Temporary failure on our side; try again later.'));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is read and thrown away: the answer must wait for the end of the data.
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('error', (e) => log(`SMTP: reading mail from ${who(session)} failed: ${String(e)}`));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxBytes) {
          log(`SMTP: refused mail from ${who(session)}: ${size} bytes, over the ${maxBytes} limit.`);
          return callback(
            smtpError(
              552,
              `5.3.4 Message too big: this service takes mail up to ${maxBytes} bytes. Nothing was recorded.`,
            ),
          );
        }
        void receive(Buffer.concat(chunks), session).then(
          () => callback(),
          (e: unknown) => {
            if (e instanceof RefusedMail) {
              log(`SMTP: refused mail from ${who(session)}: ${e.message}`);
              return callback(smtpError(e.code, e.message));
            }
            log(`SMTP: taking mail from ${who(session)} failed: ${e instanceof Error ? e.stack : String(e)}`);
            callback(smtpError(451, '4.3.0 Temporary failure on our side; try again later.'));
          },
        );
      });
    },
  });

  async function receive(raw: Buffer, session: SMTPServerSession): Promise<void> {
    let mail;
    try {
      mail = await simpleParser(raw, { skipHtmlToText: false, maxHtmlLengthToParse: 2_000_000 });
    } catch (e) {
      throw new RefusedMail(
        550,
        `5.6.0 Malformed mail: ${e instanceof Error ? e.message : 'cannot be parsed'}. Nothing was recorded.`,
      );
    }
    if (mail.headerLines.length === 0)
      throw new RefusedMail(550, '5.6.0 Malformed mail: it has no header. Nothing was recorded.');
    // The first of our mailboxes it was sent to decides the department (each was checked at RCPT).
    const to = session.envelope.rcptTo[0]?.address;
    const mailbox = to ? await mailboxOf(deps.db, to) : undefined;
    if (!mailbox) throw new RefusedMail(550, '5.1.1 No support mailbox among the recipients.');
    const mailFrom = session.envelope.mailFrom;
    await takeMail(deps, mail, { from: mailFrom ? mailFrom.address : null, mailbox });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log(`SMTP listener: ${String(e)}`));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

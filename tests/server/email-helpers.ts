import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { SMTPServer } from 'smtp-server';
import { startServer, type RunningServer } from '../../src/server/app';
import type { EmailOptions } from '../../src/server/email';
import { migrateToLatest } from '../../src/server/db/migrate';
import { openDatabase } from '../../src/server/db/open';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { ensureDemoMailboxes } from '../../src/server/email/mailbox-store';
import { freshDatabase, type TestDatabase } from './test-db';

export const BILLING = 'billing@support.switchboard.test';
export const TECH = 'tech@support.switchboard.test';
const JWT_SECRET = 'test-secret-test-secret-test-secret';

export interface EmailTestServer extends RunningServer {
  dbPath: string;
  dataDir: string;
  clock: { now: Date };
  store: TestDatabase;
  /** Stops the service, keeping its database and files (restart() starts it again on them). */
  restart(email?: EmailOptions): Promise<EmailTestServer>;
  stop(): Promise<void>;
}

/**
 * A real service over a small demo data set with the demo's support mailboxes, its SMTP listener on a free
 * loopback port, replies sent only when a reply is queued or a test calls `email.sendDue()` (no timer).
 */
export async function startEmailServer(email: EmailOptions = {}): Promise<EmailTestServer> {
  const store = await freshDatabase();
  const db = openDatabase(store.location);
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 60, customers: 40 });
  await ensureDemoMailboxes(db, new Date());
  // Triage (issue 15): mail tests are about mail, so a mail stays in its mailbox's department at normal priority
  // (no prediction reaches a threshold of 1); tests/server/triage.test.ts sets its own threshold and routes.
  await db
    .insertInto('admin_settings')
    .values({ name: 'triage', value: JSON.stringify({ threshold: 1, retrainEveryHours: 24 }) })
    .execute();
  await db.destroy();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-email-data-'));
  return open(store, dataDir, { now: new Date() }, email);
}

async function open(
  store: TestDatabase,
  dataDir: string,
  clock: { now: Date },
  email: EmailOptions,
): Promise<EmailTestServer> {
  const server = await startServer({
    port: 0,
    dbPath: store.location,
    dataDir,
    seed: 'none',
    jwtSecret: JWT_SECRET,
    pbxSecret: 'test-pbx-secret-test-pbx-secret',
    sla: { sweepEveryMs: 0 },
    now: () => clock.now,
    email: { smtpPort: 0, pollMs: 0, ...email },
    log: process.env.DEBUG_SERVER_LOG ? (l: string) => console.error(`[server] ${l}`) : () => {},
  });
  return {
    ...server,
    dbPath: store.location,
    dataDir,
    clock,
    store,
    restart: async (again = email) => {
      await server.close();
      return open(store, dataDir, clock, again);
    },
    stop: async () => {
      await server.close();
      await store.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A mail sent to the service's listener with nodemailer, as any mail server would; the SMTP error if refused. */
export async function sendToService(
  port: number,
  mail: Mail.Options,
): Promise<{ ok: true } | { ok: false; code: number; message: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail(mail);
    return { ok: true };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: err.responseCode ?? 0, message: err.response ?? err.message };
  } finally {
    transport.close();
  }
}

/** A real SMTP server on loopback that keeps what it receives: the relay replies go to. */
export interface Sink {
  port: number;
  mails: { envelopeTo: string[]; parsed: ParsedMail }[];
  /** Resolves at the next mail received (or at once with the nth, counting from 1, if it has come). */
  received(n: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export async function startSink(port = 0): Promise<Sink> {
  const mails: Sink['mails'] = [];
  const waiting: { n: number; resolve: (m: ParsedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          mails.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
          for (const w of waiting.filter((x) => x.n <= mails.length)) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve(mails[w.n - 1]!.parsed);
          }
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    received: (n) =>
      mails.length >= n
        ? Promise.resolve(mails[n - 1]!.parsed)
        : new Promise((resolve) => waiting.push({ n, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (taken and released): a relay that is down. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AttachmentStore,
  DEFAULT_ATTACHMENT_LIMITS,
  type AttachmentLimits,
} from '../attachments/attachment-store';
import type { Request, Router } from 'express';
import type { User } from '../../shared';
import { attachmentRouter } from '../attachments/attachment-api';
import { isPostgresUrl } from '../db/open';
import { emailAdminRouter } from './email-api';
import type { Db } from '../db/schema';
import { EmailSender, type Relay, type RetryPolicy } from './outbox';
import { startSmtpListener } from './smtp-listener';

/** The email channel's settings (StartServerOptions.email; the CLI's --smtp-* options). */
export interface EmailOptions {
  /** The SMTP listener's port (0: a free one); undefined: no listener (replies still go out). */
  smtpPort?: number;
  /** Default 127.0.0.1. */
  smtpHost?: string;
  /** Largest mail taken, in bytes; default 25 MB. */
  maxMessageBytes?: number;
  /** The relay of mailboxes that name none. */
  relay?: Relay;
  retry?: Partial<RetryPolicy>;
  /** How often the reply outbox is read; default 2 s; 0: only on `email.sendDue()` and after a reply is queued. */
  pollMs?: number;
  /** Loop guard: more mails than this from one sender within the window are dropped. Default 20 in 600 s. */
  senderWindow?: { mails: number; seconds: number };
  attachments?: Partial<AttachmentLimits>;
}

export interface RunningEmail {
  /** The listener's port, or null when it is off. */
  smtpPort: number | null;
  attachments: AttachmentStore;
  /** Sends the replies due now (tests, diagnostics); resolves with how many went out. */
  sendDue(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Where kept files live: beside a SQLite database (`<db folder>/attachments`), else `.data/attachments` (the
 * service's data folder under PostgreSQL), or a temporary folder for an in-memory database.
 */
export function attachmentsFolder(dbPath: string, dataDir?: string): string {
  if (dataDir) return join(dataDir, 'attachments');
  if (dbPath === ':memory:') return join(tmpdir(), `switchboard-attachments-${process.pid}`);
  if (isPostgresUrl(dbPath)) return join('.data', 'attachments');
  return join(dirname(dbPath), 'attachments');
}

/** The store of kept files, with the email options' limits over the defaults. */
export function openAttachments(dbPath: string, opts: EmailOptions = {}, dataDir?: string): AttachmentStore {
  return new AttachmentStore(attachmentsFolder(dbPath, dataDir), {
    ...DEFAULT_ATTACHMENT_LIMITS,
    ...opts.attachments,
  });
}

/** The routes of this area: kept files (every signed-in user, scope-checked) and the admins' mailboxes. */
export function emailRouters(deps: {
  db: Db;
  now: () => Date;
  attachments: AttachmentStore;
  bearerUser: (req: Request) => Promise<User>;
}): Router[] {
  return [attachmentRouter({ ...deps, store: deps.attachments }), emailAdminRouter(deps)];
}

export async function startEmail(
  deps: {
    db: Db;
    now: () => Date;
    log: (line: string) => void;
    poke: (departmentIds: string[]) => void;
    attachments: AttachmentStore;
  },
  opts: EmailOptions = {},
): Promise<RunningEmail> {
  const { attachments } = deps;
  const sender = new EmailSender({ ...deps, relay: opts.relay, retry: opts.retry, pollMs: opts.pollMs });
  const listener =
    opts.smtpPort === undefined
      ? undefined
      : await startSmtpListener(
          { ...deps, attachments, senderWindow: opts.senderWindow ?? { mails: 20, seconds: 600 } },
          { port: opts.smtpPort, host: opts.smtpHost, maxMessageBytes: opts.maxMessageBytes },
        );
  sender.start();
  if (listener) deps.log(`Support mail (SMTP) listening on ${opts.smtpHost ?? '127.0.0.1'}:${listener.port}`);
  return {
    smtpPort: listener?.port ?? null,
    attachments,
    sendDue: () => sender.sendDue(),
    close: async () => {
      await listener?.close();
      await sender.close();
    },
  };
}

import { z } from 'zod';
import { Id } from '../domain/ids';

/** email (issue 13): the support mailboxes administrators manage (REST below; the desktop's admin Email tab). */

export const EMAIL_REST = {
  mailboxes: '/api/admin/email/mailboxes',
  mailbox: (address: string) => `/api/admin/email/mailboxes/${encodeURIComponent(address)}`,
} as const;

/** A support address, case-folded. */
export const MailboxAddress = z
  .email('Enter a mail address such as support@example.com.')
  .max(254)
  .transform((a) => a.toLowerCase());

/** What an admin sets for a mailbox: the department its mail is for, the name replies are signed with, a relay. */
export const MailboxInput = z
  .object({
    departmentId: Id,
    displayName: z.string().trim().min(1).max(100),
    relayHost: z.string().trim().min(1).max(255).nullable().default(null),
    relayPort: z.number().int().min(1).max(65535).nullable().default(null),
  })
  .refine((m) => (m.relayHost === null) === (m.relayPort === null), {
    message: 'Give both the relay host and its port, or neither (the default relay).',
    path: ['relayPort'],
  });
export type MailboxInput = z.input<typeof MailboxInput>;

/** One support address: mail to it becomes tickets of its department; replies go out from it. */
export const Mailbox = z.object({
  address: z.string(),
  departmentId: Id,
  displayName: z.string(),
  /** The relay its replies go through; null: the service's default (--smtp-relay). */
  relayHost: z.string().nullable(),
  relayPort: z.number().int().nullable(),
});
export type Mailbox = z.infer<typeof Mailbox>;

export const MailboxList = z.object({ mailboxes: z.array(Mailbox) });

import { z } from 'zod';
import { Id, Instant } from '../domain/ids';
import { TicketPriority } from '../domain/ticket';

/**
 * Intake from outside the desktop (issue 13): messaging webhooks, API keys for apps and web forms, and the
 * supervisor's customer merge. Served by src/server/intake and customers/merge.ts.
 */
export const INTAKE_REST = {
  /** A messaging channel's webhook: POST messages (GET answers WeCom's URL check). */
  webhook: (channelId: string) => `/api/intake/webhooks/${channelId}`,
  /** Apps and web forms, with an API key: a ticket for a contact. */
  tickets: '/api/intake/tickets',
  /** Apps and web forms, with an API key: the customer a contact is (made if none). */
  customers: '/api/intake/customers',
} as const;

/** Administrators only. */
export const INTAKE_ADMIN_REST = {
  overview: '/api/admin/intake',
  channels: '/api/admin/intake/channels',
  channel: (id: string) => `/api/admin/intake/channels/${id}`,
  apiKeys: '/api/admin/intake/api-keys',
  apiKeyRevoke: (id: string) => `/api/admin/intake/api-keys/${id}/revoke`,
} as const;

/** Supervisors (their department's customers) and administrators. */
export const CUSTOMER_MERGE_REST = '/api/customers/merge';

/** Headers of the generic JSON webhook form, both ways: HMAC-SHA256 (hex) of `${timestamp}.${nonce}.${body}`. */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-switchboard-timestamp',
  nonce: 'x-switchboard-nonce',
  signature: 'x-switchboard-signature',
} as const;

/** wecom: WeCom/WeChat-style (msg_signature, timestamp, nonce in the query; XML or JSON body). json: generic. */
export const MessagingKind = z.enum(['wecom', 'json']);
export type MessagingKind = z.infer<typeof MessagingKind>;

const Secret = z
  .string()
  .trim()
  .min(16, 'A channel secret is at least 16 characters.')
  .max(200, 'A channel secret is at most 200 characters.')
  .regex(/^[\x21-\x7e]+$/, 'A channel secret is printable ASCII without spaces.');

const OutboundUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (u) => /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i.test(u),
    'The reply URL must be an http:// or https:// address.',
  );

export const MessagingChannelInput = z.object({
  name: z.string().trim().min(1, 'Give the channel a name.').max(100),
  kind: MessagingKind,
  departmentId: Id,
  /** Where agents' public replies are POSTed; null: replies stay in the ticket only. */
  outboundUrl: OutboundUrl.nullable(),
  enabled: z.boolean().default(true),
  /** The shared secret (a WeCom token, or the HMAC key); made by the server when left out on creation. */
  secret: Secret.optional(),
});
export type MessagingChannelInput = z.input<typeof MessagingChannelInput>;

export const MessagingChannel = z.object({
  id: Id,
  name: z.string(),
  kind: MessagingKind,
  departmentId: Id,
  outboundUrl: z.string().nullable(),
  enabled: z.boolean(),
  /** The webhook's path on this server (POST messages here). */
  webhookPath: z.string(),
  createdAt: Instant,
  updatedAt: Instant,
  /** Replies waiting for delivery, and those given up on after every retry. */
  outbound: z.object({ pending: z.number().int(), failed: z.number().int(), sent: z.number().int() }),
});
export type MessagingChannel = z.infer<typeof MessagingChannel>;

export const ApiKeyInput = z.object({
  name: z.string().trim().min(1, 'Give the key a name (which app or form uses it).').max(100),
  departmentId: Id,
});
export type ApiKeyInput = z.input<typeof ApiKeyInput>;

export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  /** The key's first characters (not secret): how a key is recognised in lists and logs. */
  prefix: z.string(),
  departmentId: Id,
  createdBy: Id,
  createdAt: Instant,
  revokedAt: Instant.nullable(),
  lastUsedAt: Instant.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const IntakeOverview = z.object({ channels: z.array(MessagingChannel), apiKeys: z.array(ApiKey) });
export type IntakeOverview = z.infer<typeof IntakeOverview>;

/** What the server shows once, when a key is made or a channel secret set: it is kept only hashed or never shown again. */
export const SecretShownOnce = z.object({ id: Id, secret: z.string() });
export type SecretShownOnce = z.infer<typeof SecretShownOnce>;

/** One administrator's change on the intake tabs (IPC intake.apply). */
export const IntakeAction = z.discriminatedUnion('op', [
  z.object({ op: z.literal('channel.create'), input: MessagingChannelInput }),
  z.object({ op: z.literal('channel.update'), id: Id, input: MessagingChannelInput }),
  z.object({ op: z.literal('apiKey.create'), input: ApiKeyInput }),
  z.object({ op: z.literal('apiKey.revoke'), id: Id }),
]);
export type IntakeAction = z.infer<typeof IntakeAction>;

/** The POST that makes an intake action. */
export function intakeRequest(a: IntakeAction): { path: string; body: unknown } {
  switch (a.op) {
    case 'channel.create':
      return { path: INTAKE_ADMIN_REST.channels, body: a.input };
    case 'channel.update':
      return { path: INTAKE_ADMIN_REST.channel(encodeURIComponent(a.id)), body: a.input };
    case 'apiKey.create':
      return { path: INTAKE_ADMIN_REST.apiKeys, body: a.input };
    case 'apiKey.revoke':
      return { path: INTAKE_ADMIN_REST.apiKeyRevoke(encodeURIComponent(a.id)), body: {} };
  }
}

/** The answer to an intake action: the secret when one was made (shown once), else nothing. */
export const IntakeActionResult = z.object({ id: Id.optional(), secret: z.string().optional() });
export type IntakeActionResult = z.infer<typeof IntakeActionResult>;

/** A contact as an app or web form knows it; at least one way to reach or recognise the person. */
export const IntakeContact = z
  .object({
    name: z.string().trim().max(200).optional(),
    phone: z.string().trim().max(40).optional(),
    email: z.string().trim().max(254).optional(),
    /** The caller's own id for this person (a CRM or app user id). */
    externalId: z.string().trim().min(1).max(200).optional(),
    language: z.enum(['zh-CN', 'en']).optional(),
  })
  .strict()
  .refine(
    (c) => Boolean(c.phone || c.email || c.externalId),
    'Give the contact a phone, an email or an externalId, so replies reach them and the next request finds them.',
  );
export type IntakeContact = z.infer<typeof IntakeContact>;

export const IntakeTicketRequest = z
  .object({
    subject: z.string().trim().min(1, 'A ticket needs a subject.').max(300),
    description: z.string().max(20000).default(''),
    priority: TicketPriority.default('normal'),
    /** web: a web form; api: another system. */
    channel: z.enum(['api', 'web']).default('api'),
    contact: IntakeContact,
  })
  .strict();
export type IntakeTicketRequest = z.input<typeof IntakeTicketRequest>;

export const IntakeTicketResponse = z.object({
  ticketId: Id,
  number: z.number().int(),
  customerId: Id,
  customerCreated: z.boolean(),
});

export const IntakeCustomerRequest = z.object({ contact: IntakeContact }).strict();
export const IntakeCustomerResponse = z.object({ customerId: Id, created: z.boolean() });

/** The generic JSON form's message. */
export const JsonWebhookMessage = z.object({
  messageId: z.string().trim().min(1).max(200),
  from: z
    .object({
      id: z.string().trim().min(1).max(200),
      name: z.string().trim().max(200).optional(),
      phone: z.string().trim().max(40).optional(),
      email: z.string().trim().max(254).optional(),
    })
    .strip(),
  text: z.string().trim().min(1, 'The message has no text.').max(20000),
});

/** Customer merge: `mergeId` becomes an alias of `keepId`, which takes its tickets, calls and ids. */
export const CustomerMergeRequest = z
  .object({ keepId: Id, mergeId: Id })
  .refine((r) => r.keepId !== r.mergeId, 'Choose two different customers to merge.');
export type CustomerMergeRequest = z.infer<typeof CustomerMergeRequest>;

export const CustomerMergeResult = z.object({
  customerId: Id,
  tickets: z.number().int(),
  interactions: z.number().int(),
});
export type CustomerMergeResult = z.infer<typeof CustomerMergeResult>;

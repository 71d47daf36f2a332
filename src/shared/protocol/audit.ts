import { z } from 'zod';

/** The admin audit API (admin role only, except the public key). */
export const AUDIT_REST = {
  verify: '/api/audit/verify',
  records: '/api/audit/records',
  export: '/api/audit/export',
  /** The Ed25519 public key checkpoints are signed with (PEM); no sign-in needed. */
  publicKey: '/api/audit/public-key',
} as const;

export const AuditRecord = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  actorId: z.string().nullable(),
  /** From where: client address or device, when known. */
  source: z.string().nullable(),
  action: z.string(),
  subjectId: z.string().nullable(),
  /** What changed (before and after where the writer records them). */
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditBrokenReason = z.enum([
  'edited',
  'relinked',
  'missing',
  'rewritten',
  'bad-signature',
  'checkpoint-missing',
  'truncated',
]);
export type AuditBrokenReason = z.infer<typeof AuditBrokenReason>;

export const AuditVerifyReport = z.object({
  ok: z.boolean(),
  records: z.number().int().nonnegative(),
  checkpoints: z.number().int().nonnegative(),
  anchors: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  chainId: z.string().nullable(),
  lastCheckpoint: z.object({ id: z.number().int(), seq: z.number().int(), at: z.string() }).nullable(),
  head: z.object({ seq: z.number().int(), at: z.string() }).nullable(),
  broken: z
    .object({
      seq: z.number().int(),
      action: z.string().nullable(),
      at: z.string().nullable(),
      reason: AuditBrokenReason,
      message: z.string(),
    })
    .nullable(),
});
export type AuditVerifyReport = z.infer<typeof AuditVerifyReport>;

const text = z.string().trim().max(200);

/**
 * Search filters, all optional. action: exact, or a prefix when it ends with `*` ("ticket.*"). from/to: ISO
 * times (to exclusive). before: the page's cursor (records with a lower position); newest first.
 */
export const AuditQuery = z.object({
  actor: text.optional(),
  action: text.optional(),
  subject: text.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({
  records: z.array(AuditRecord),
  /** Pass as `before` for the next (older) page; null: no more. */
  nextBefore: z.number().int().nullable(),
  /**
   * The display names of the page's actors, by id: admins and disabled users are in no department's directory, and
   * an auditor reads names, not ids. An id missing here names no user (a system actor, or a user since removed).
   */
  actors: z.record(z.string(), z.string()).default({}),
});
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditExportFormat = z.enum(['csv', 'json']);
export type AuditExportFormat = z.infer<typeof AuditExportFormat>;

export const AuditPublicKey = z.object({ keyId: z.string(), pem: z.string() });
export type AuditPublicKey = z.infer<typeof AuditPublicKey>;

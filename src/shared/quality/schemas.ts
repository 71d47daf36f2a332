import { z } from 'zod';
import { Id } from '../domain/ids';

/**
 * Quality review (质检, issue 15 item 4): automatic checks on every contact (chats, ticket threads including
 * email, call wrap-ups), rules configured per department, sampled contacts scored against a rubric by
 * supervisors, and the feedback the agent sees. The service is src/server/quality; this is its REST contract.
 */
export const QUALITY_REST = {
  /** GET ?departmentId: the department's rules, rubric and sampling (defaults where never changed). */
  config: '/api/quality/config',
  /** PUT: one rule of a department (supervisors their own, admins any); audited with before and after. */
  rule: '/api/quality/rule',
  /** PUT: a department's rubric and sampling settings; audited. */
  settings: '/api/quality/settings',
  /** POST: run the checks again over the contacts of a period (after a rule change). */
  recheck: '/api/quality/recheck',
  /** POST: draw the sample of a period now (the service also draws it each day). */
  sample: '/api/quality/sample',
  /** GET: the sampled contacts awaiting review (or reviewed) of the departments one sees. */
  queue: '/api/quality/queue',
  /** GET ?kind&id: one contact's text with its findings and review. */
  contact: '/api/quality/contact',
  /** POST: save a review (scores, comment), optionally returned to the agent. */
  review: '/api/quality/review',
  /** GET: the signed-in agent's returned reviews. */
  mine: '/api/quality/mine',
  /** POST: the agent acknowledges a returned review. */
  acknowledge: '/api/quality/acknowledge',
} as const;

/** Roles that review and configure (their own department; admins every one). */
export const QUALITY_REVIEWER_ROLES = ['supervisor', 'admin'] as const;

export const QualityRuleKind = z.enum([
  'greeting',
  'closing',
  'forbidden',
  'promise',
  'long_hold',
  'transfers',
  'sla_breach',
  'negative_sentiment',
]);
export type QualityRuleKind = z.infer<typeof QualityRuleKind>;

export const QualitySeverity = z.enum(['info', 'minor', 'major', 'critical']);
export type QualitySeverity = z.infer<typeof QualitySeverity>;
export const SEVERITY_RANK: Record<QualitySeverity, number> = { info: 0, minor: 1, major: 2, critical: 3 };

export const QualityContactKind = z.enum(['chat', 'ticket', 'call']);
export type QualityContactKind = z.infer<typeof QualityContactKind>;

const MAX_PHRASES = 200;
const Phrase = z.string().trim().min(1).max(120);
/** A regular expression (JavaScript syntax, matched case-insensitively); it must compile. */
const Pattern = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .refine(
    (p) => {
      try {
        new RegExp(p, 'iu');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'This pattern is not a valid regular expression.' },
  );

/**
 * One rule as a department configures it. phrases: literal text, case-insensitive (greeting and closing: any
 * one present is enough; forbidden and promise: any one present is a finding; negative sentiment: extra
 * negative Chinese words). patterns: regular expressions, same use. threshold: long hold in seconds,
 * transfers in count, negative sentiment as the score at or below minus it.
 */
export const QualityRule = z.object({
  kind: QualityRuleKind,
  enabled: z.boolean(),
  severity: QualitySeverity,
  phrases: z.array(Phrase).max(MAX_PHRASES),
  patterns: z.array(Pattern).max(MAX_PHRASES),
  threshold: z.number().min(0).max(100_000).nullable(),
});
export type QualityRule = z.infer<typeof QualityRule>;

export const RubricItem = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'A key is lower-case letters, digits and _, starting with a letter.'),
  labelEn: z.string().trim().min(1).max(60),
  labelZh: z.string().trim().min(1).max(60),
  weight: z.number().positive().max(100),
  /** Scores run 0..max (at most 9: one digit key each). */
  max: z.number().int().min(1).max(9),
});
export type RubricItem = z.infer<typeof RubricItem>;

export const Rubric = z
  .array(RubricItem)
  .min(1)
  .max(20)
  .refine((items) => new Set(items.map((i) => i.key)).size === items.length, 'An item key is used twice.');
export type Rubric = z.infer<typeof Rubric>;

export const SamplingSettings = z.object({
  /** Contacts sampled per agent per period. */
  perAgent: z.number().int().min(0).max(100),
  /** The period, in days (7: a week). */
  periodDays: z.number().int().min(1).max(31),
  /** How much more likely a contact with findings is drawn than one without (1: no preference). */
  findingsWeight: z.number().min(1).max(100),
});
export type SamplingSettings = z.infer<typeof SamplingSettings>;

export const QualityConfig = z.object({
  departmentId: Id,
  rules: z.array(QualityRule),
  rubric: Rubric,
  sampling: SamplingSettings,
});
export type QualityConfig = z.infer<typeof QualityConfig>;

export const QualityConfigQuery = z.object({ departmentId: Id });
export const QualityRuleInput = z.object({ departmentId: Id, rule: QualityRule });
export type QualityRuleInput = z.infer<typeof QualityRuleInput>;
export const QualitySettingsInput = z.object({
  departmentId: Id,
  rubric: Rubric,
  sampling: SamplingSettings,
});
export type QualitySettingsInput = z.infer<typeof QualitySettingsInput>;

const Day = z.iso.date();
/** A period of whole UTC days; a department, or (admins) every department when omitted. */
export const QualityPeriod = z
  .object({ from: Day, to: Day, departmentId: Id.optional() })
  .refine((p) => p.from <= p.to, { message: 'The period ends before it begins.', path: ['to'] })
  .refine((p) => (Date.parse(p.to) - Date.parse(p.from)) / 86_400_000 < 93, {
    message: 'A period covers at most 93 days.',
    path: ['to'],
  });
export type QualityPeriod = z.infer<typeof QualityPeriod>;
export const QualityRunResult = z.object({ contacts: z.number().int().nonnegative() });
export type QualityRunResult = z.infer<typeof QualityRunResult>;

export const QualityFinding = z.object({
  id: Id,
  rule: QualityRuleKind,
  severity: QualitySeverity,
  /** The part of the contact (a chat message, a comment, 'subject', 'description', 'notes'); null: the whole. */
  partId: z.string().nullable(),
  /** The matched span in that part's text, [start, end) in UTF-16 units; null when nothing is to be marked. */
  start: z.number().int().nonnegative().nullable(),
  end: z.number().int().nonnegative().nullable(),
  /** The matched text (or what was measured, e.g. "hold 420 s"). */
  excerpt: z.string(),
});
export type QualityFinding = z.infer<typeof QualityFinding>;

export const QualityPartRole = z.enum(['agent', 'customer', 'bot', 'system']);
export type QualityPartRole = z.infer<typeof QualityPartRole>;

export const QualityPart = z.object({
  id: z.string(),
  role: QualityPartRole,
  author: z.string(),
  at: z.string(),
  text: z.string(),
});
export type QualityPart = z.infer<typeof QualityPart>;

export const QualityScores = z.record(z.string(), z.number().int().min(0).max(9));
export type QualityScores = z.infer<typeof QualityScores>;

export const QualityReview = z.object({
  id: Id,
  kind: QualityContactKind,
  contactId: Id,
  departmentId: Id,
  agentId: Id,
  reviewerId: Id,
  reviewerName: z.string(),
  scores: QualityScores,
  /** Weighted score out of 100. */
  total: z.number().min(0).max(100),
  comment: z.string(),
  /** The contact's time. */
  contactAt: z.string(),
  createdAt: z.string(),
  returnedAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  /** The rubric as it was when scored (labels and maxima for the agent's view). */
  rubric: Rubric,
  /** What the contact was, for the agent's list (a chat with …, ticket #123, a call from …). */
  title: z.string(),
});
export type QualityReview = z.infer<typeof QualityReview>;

export const QualityQueueItem = z.object({
  kind: QualityContactKind,
  contactId: Id,
  departmentId: Id,
  agentId: Id,
  agentName: z.string(),
  channel: z.string(),
  at: z.string(),
  title: z.string(),
  findings: z.number().int().nonnegative(),
  worst: QualitySeverity.nullable(),
  reviewed: z.boolean(),
  total: z.number().nullable(),
});
export type QualityQueueItem = z.infer<typeof QualityQueueItem>;

export const QualityQueueQuery = z.object({
  departmentId: Id.optional(),
  state: z.enum(['pending', 'reviewed', 'all']).default('pending'),
});
export type QualityQueueQuery = z.input<typeof QualityQueueQuery>;

export const QualityContactRef = z.object({ kind: QualityContactKind, id: Id });
export type QualityContactRef = z.infer<typeof QualityContactRef>;

export const QualityContactDetail = z.object({
  item: QualityQueueItem,
  parts: z.array(QualityPart),
  /** Calls: hold and transfers from the call records. */
  call: z
    .object({
      holdSeconds: z.number().int().nonnegative(),
      transfers: z.number().int().nonnegative(),
      disposition: z.string().nullable(),
      durationSeconds: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
  findings: z.array(QualityFinding),
  review: QualityReview.nullable(),
  rubric: Rubric,
});
export type QualityContactDetail = z.infer<typeof QualityContactDetail>;

export const QualityReviewInput = z.object({
  kind: QualityContactKind,
  contactId: Id,
  scores: QualityScores,
  comment: z.string().max(4000),
  /** Return it to the agent now (they see it on their desktop). */
  returnToAgent: z.boolean(),
});
export type QualityReviewInput = z.infer<typeof QualityReviewInput>;

export const QualityAcknowledgeInput = z.object({ reviewId: Id });
export const QualityMine = z.object({ reviews: z.array(QualityReview), unacknowledged: z.number().int() });
export type QualityMine = z.infer<typeof QualityMine>;

/** Per agent or department of a report period: reviews, their average score, and findings. */
export const QualityReportRow = z.object({
  key: z.string(),
  reviews: z.number().int().nonnegative(),
  scoreAverage: z.number().nullable(),
  findings: z.number().int().nonnegative(),
});
export type QualityReportRow = z.infer<typeof QualityReportRow>;

/** Weighted score out of 100 of a rubric's scores (an item not scored counts 0). */
export function rubricTotal(rubric: Rubric, scores: QualityScores): number {
  let sum = 0;
  let weights = 0;
  for (const item of rubric) {
    const s = Math.min(item.max, Math.max(0, scores[item.key] ?? 0));
    sum += (item.weight * s) / item.max;
    weights += item.weight;
  }
  return weights === 0 ? 0 : Math.round((sum / weights) * 1000) / 10;
}

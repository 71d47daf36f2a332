import { z } from 'zod';
import { Id } from '../domain/ids';

/**
 * Voice of the customer (issue 14, item 7): the topics customers raise, counted by the central service from
 * ticket subjects, descriptions, customer-visible comments and call wrap-up notes (src/server/voc). Supervisors
 * and team leads see their department, administrators every department; agents have no reports.
 */
export const VOC_REST = {
  /** Top terms and phrases, rising topics and sentiment of one period against the period before it. */
  summary: '/api/voc/summary',
  /** The contacts (tickets, calls) of a period that mention one term or phrase, newest first, paged. */
  contacts: '/api/voc/contacts',
} as const;

/** A UTC calendar day, YYYY-MM-DD (contacts are counted per UTC day). */
export const VocDay = z.iso.date();
export type VocDay = z.infer<typeof VocDay>;

/** The longest period one request may cover (a year: daily rows of one year stay fast to add up). */
export const VOC_MAX_DAYS = 366;

const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;

/** A period of whole UTC days, both ends included; one department or (omitted) every one the user sees. */
export const VocQuery = z
  .object({
    from: VocDay,
    to: VocDay,
    departmentId: Id.optional(),
  })
  .refine((q) => days(q.from, q.to) >= 1, { message: 'The period ends before it begins.', path: ['to'] })
  .refine((q) => days(q.from, q.to) <= VOC_MAX_DAYS, {
    message: `A period covers at most ${VOC_MAX_DAYS} days.`,
    path: ['from'],
  });
export type VocQuery = z.infer<typeof VocQuery>;

export const VocTerm = z.object({
  /** A word (a stemmed English word or a jieba word), or a phrase: two adjacent words joined by one space. */
  term: z.string(),
  phrase: z.boolean(),
  /** Contacts of the period that mention it. */
  contacts: z.number().int().nonnegative(),
  /** contacts / all contacts of the period. */
  share: z.number().nonnegative(),
});
export type VocTerm = z.infer<typeof VocTerm>;

export const VocRisingTopic = VocTerm.extend({
  previousContacts: z.number().int().nonnegative(),
  previousShare: z.number().nonnegative(),
  /** share / previousShare; null when the term was absent before (a new topic). */
  growth: z.number().nullable(),
  /** Dunning's log-likelihood ratio G² of the 2x2 table (mentions or not, this period or the previous). */
  g2: z.number().nonnegative(),
  /** Its p-value (chi-square, 1 degree of freedom). */
  p: z.number().min(0).max(1),
});
export type VocRisingTopic = z.infer<typeof VocRisingTopic>;

export const VocSentiment = z.object({
  /** Contacts whose text could be scored (English, AFINN-165). */
  measured: z.number().int().nonnegative(),
  positive: z.number().int().nonnegative(),
  neutral: z.number().int().nonnegative(),
  negative: z.number().int().nonnegative(),
  /** Contacts written mainly in Chinese: no maintained Chinese sentiment library or local model is available. */
  notMeasured: z.number().int().nonnegative(),
});
export type VocSentiment = z.infer<typeof VocSentiment>;

export const VocSummary = z.object({
  from: VocDay,
  to: VocDay,
  previousFrom: VocDay,
  previousTo: VocDay,
  /** Contacts (tickets opened, calls) in the period and in the previous one of equal length. */
  contacts: z.number().int().nonnegative(),
  previousContacts: z.number().int().nonnegative(),
  topTerms: z.array(VocTerm),
  topPhrases: z.array(VocTerm),
  rising: z.array(VocRisingTopic),
  /** How rising topics were judged: support, the significance level and the Bonferroni-corrected bar. */
  test: z.object({
    minSupport: z.number().int().positive(),
    alpha: z.number(),
    /** Terms tested (those with the minimum support): the Bonferroni divisor. */
    tested: z.number().int().nonnegative(),
    /** The G² a term needs (chi-square quantile of 1 - alpha / tested, 1 degree of freedom). */
    g2Critical: z.number().nonnegative(),
  }),
  sentiment: VocSentiment,
  /** Milliseconds the service took (for the benchmark and the curious). */
  tookMs: z.number().nonnegative(),
});
export type VocSummary = z.infer<typeof VocSummary>;

export const VocContactsQuery = z
  .object({
    from: VocDay,
    to: VocDay,
    departmentId: Id.optional(),
    term: z.string().trim().min(1).max(200),
    /** Where the previous page ended (VocContactsPage.next). */
    after: z
      .string()
      .regex(/^\d+:\d+$/)
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .refine((q) => days(q.from, q.to) >= 1 && days(q.from, q.to) <= VOC_MAX_DAYS, {
    message: `The period must run forwards and cover at most ${VOC_MAX_DAYS} days.`,
    path: ['to'],
  });
export type VocContactsQuery = z.infer<typeof VocContactsQuery>;

export const VocContact = z.object({
  kind: z.enum(['ticket', 'call']),
  /** The ticket (a call's wrap-up ticket when it has one); null for a call without one. */
  ticketId: Id.nullable(),
  ticketNumber: z.number().int().nullable(),
  interactionId: Id.nullable(),
  departmentId: Id,
  /** The ticket's subject, or the call's caller number. */
  title: z.string(),
  day: VocDay,
});
export type VocContact = z.infer<typeof VocContact>;

export const VocContactsPage = z.object({
  contacts: z.array(VocContact),
  /** Pass as `after` for the next page; null on the last. */
  next: z.string().nullable(),
});
export type VocContactsPage = z.infer<typeof VocContactsPage>;

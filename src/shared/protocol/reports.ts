import { z } from 'zod';
import { Id } from '../domain/ids';
import { QualityReportRow } from '../quality/schemas';

/**
 * Reports (issue 14): the central service's figures per interval and dimension, computed from its incremental
 * aggregates (src/server/reports/README.md), and customer satisfaction ratings.
 */
export const REPORTS_REST = {
  /** GET: one report as JSON (ReportQuery as the query string). */
  report: '/api/reports',
  /** GET: the same report as CSV (RFC 4180, UTF-8 with BOM); every export is recorded in the audit log. */
  export: '/api/reports/export',
  /** POST {interactionId}: a one-time rating link for a call's customer (the agent's wrap-up sends it). */
  callRatingLink: '/api/reports/rating-links',
  /** POST {score} with the chat visitor's token (the widget, when a chat has ended). */
  chatRating: '/api/chat/rating',
  /** GET: the rating page of a link; POST score=1..5: the customer's rating. No sign-in: the token is the key. */
  ratePage: '/rate',
} as const;

export const ReportInterval = z.enum(['15m', 'hour', 'day', 'week']);
export type ReportInterval = z.infer<typeof ReportInterval>;

export const ReportDimension = z.enum(['department', 'queue', 'agent', 'channel', 'category']);
export type ReportDimension = z.infer<typeof ReportDimension>;

/** The channels reports tell apart: calls are voice; messaging and the intake API are api. */
export const ReportChannel = z.enum(['voice', 'chat', 'email', 'web', 'api']);
export type ReportChannel = z.infer<typeof ReportChannel>;

const Day = z.iso.date();

/** The longest range one report covers, in days (a year and a bit: week reports over a year). */
export const MAX_REPORT_DAYS = 400;
/** 15-minute rows are many: their range is kept to a week. */
export const MAX_15M_DAYS = 7;

/**
 * A report: days from..to inclusive, in the service's time zone (the answer names it). departmentId: one
 * department (a supervisor's own, or any for an administrator); absent: every department the user may see.
 */
export const ReportQuery = z
  .object({
    interval: ReportInterval,
    dimension: ReportDimension,
    from: Day,
    to: Day,
    departmentId: Id.optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'The range ends before it starts.', path: ['to'] })
  .refine(
    (q) =>
      (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <
      (q.interval === '15m' ? MAX_15M_DAYS : MAX_REPORT_DAYS),
    {
      message: `A report covers at most ${MAX_REPORT_DAYS} days (${MAX_15M_DAYS} in 15-minute intervals).`,
      path: ['to'],
    },
  );
export type ReportQuery = z.infer<typeof ReportQuery>;

/**
 * The figures of one interval and key. Counts and sums, so rows add up; averages and rates are derived
 * (null when there is nothing to average). Every contact is counted in the interval it arrived in.
 */
export const ReportFigures = z.object({
  /** Contacts that arrived: tickets created, calls offered, chats started. */
  volume: z.number().int().nonnegative(),
  /** Calls and chats an agent took; tickets that got a first public reply. */
  answered: z.number().int().nonnegative(),
  /** Calls the caller left before an answer; chats that asked for a person and ended without one. */
  abandoned: z.number().int().nonnegative(),
  firstResponseCount: z.number().int().nonnegative(),
  /** Seconds to the first response (calls: to the answer; chats: to the agent's first message). */
  firstResponseAvgSeconds: z.number().nullable(),
  resolvedCount: z.number().int().nonnegative(),
  resolutionAvgSeconds: z.number().nullable(),
  /** SLA: tickets' targets met of those judged; calls answered within the threshold of those offered. */
  slaMet: z.number().int().nonnegative(),
  slaTotal: z.number().int().nonnegative(),
  slaPercent: z.number().nullable(),
  handledCount: z.number().int().nonnegative(),
  /** Calls: talk + hold + wrap-up; chats: from the agent taking it to its end. */
  handleAvgSeconds: z.number().nullable(),
  /** Agents' time on calls or wrap-up, and time signed in (not Offline), seconds. */
  busySeconds: z.number().nonnegative(),
  staffedSeconds: z.number().nonnegative(),
  occupancyPercent: z.number().nullable(),
  /** Tickets moved to another department. */
  transfers: z.number().int().nonnegative(),
  csatCount: z.number().int().nonnegative(),
  /** 1-5. */
  csatAverage: z.number().nullable(),
});
export type ReportFigures = z.infer<typeof ReportFigures>;

export const ReportRow = z.object({
  /** The interval's start, ISO with the service zone's offset. */
  start: z.string(),
  key: z.string(),
  figures: ReportFigures,
});
export type ReportRow = z.infer<typeof ReportRow>;

export const ReportResult = z.object({
  timeZone: z.string(),
  interval: ReportInterval,
  dimension: ReportDimension,
  from: Day,
  to: Day,
  /** Department ids the report covers (the user's scope, or the one asked for). */
  departments: z.array(Id),
  /** Names of the keys: departments, queues, agents ({zh, en}); channels and categories are their own names. */
  labels: z.record(z.string(), z.object({ zh: z.string(), en: z.string() })),
  /** Rows by interval then key; intervals with nothing are left out. */
  rows: z.array(ReportRow),
  /** Per key, the whole range. */
  totals: z.array(z.object({ key: z.string(), figures: ReportFigures })),
  /** When the aggregates were last brought up to date (they are caught up before every report). */
  asOf: z.string(),
  /** Quality review (issue 15): reviews, average score and findings per key of the period (agent and department reports). */
  quality: z.array(QualityReportRow).optional(),
});
export type ReportResult = z.infer<typeof ReportResult>;

export const CsatScore = z.number().int().min(1).max(5);
export const ChatRatingInput = z.object({ score: CsatScore });
export const CallRatingLinkInput = z.object({ interactionId: Id });
export const CallRatingLink = z.object({ url: z.string(), expiresAt: z.string() });
export type CallRatingLink = z.infer<typeof CallRatingLink>;

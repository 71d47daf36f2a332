import { z } from 'zod';
import { Id, Instant } from '../domain/ids';
import { Ticket } from '../domain/ticket';
import { TriageField } from './schemas';

/**
 * The central service's triage REST API (src/server/triage): the model desktops triage offline with, the
 * confidence threshold of the triage queue, retraining from agents' corrections, and accuracy per field.
 * Every path needs a signed-in user (Bearer token); who may do what is said on each.
 */
export const TRIAGE_REST = {
  /** GET, any signed-in user: the newest model (ETag "triage-v<version>"; If-None-Match answers 304). */
  model: '/api/triage/model',
  /** GET, team lead / supervisor / admin: every stored version with its figures (no weights), newest first. */
  models: '/api/triage/models',
  /** POST, supervisor / admin: trains a new version from the shipped data and the corrections; audited. */
  retrain: '/api/triage/retrain',
  /** GET any signed-in user; PUT admin only (audited): the confidence threshold and the retraining schedule. */
  settings: '/api/triage/settings',
  /** GET, team lead / supervisor / admin: predictions, corrections and accuracy per field, per day and version. */
  accuracy: '/api/triage/accuracy',
  /** GET, any signed-in user: the tickets of their scope waiting in the triage queue, oldest first. */
  queue: '/api/triage/queue',
  /** POST, any signed-in user with the ticket in scope: the prediction is right as it stands (clears review). */
  confirm: '/api/triage/tickets/:ticketId/confirm',
} as const;

/** Figures of a model on the shipped test split (data/triage/*.test.jsonl), computed when it was trained. */
export const TriageMetrics = z.object({
  departmentAccuracy: z.number().min(0).max(1),
  categoryMacroF1: z.number().min(0).max(1),
  priorityAccuracy: z.number().min(0).max(1),
  selfServiceAccuracy: z.number().min(0).max(1),
  /** Lines of the test split the figures are over (0: no test split was shipped; the figures are then 0). */
  testLines: z.number().int().nonnegative(),
});
export type TriageMetrics = z.infer<typeof TriageMetrics>;

/** One stored model version, without its weights. */
export const TriageModelInfo = z.object({
  version: z.number().int().positive(),
  createdAt: Instant,
  /** Labelled lines it was trained on (shipped lines plus corrected tickets). */
  trainedLines: z.number().int().nonnegative(),
  /** Corrected tickets among them. */
  correctionsUsed: z.number().int().nonnegative(),
  metrics: TriageMetrics,
  /** Who asked for it: a user's id, or null for the first start and the schedule. */
  trainedBy: Id.nullable(),
});
export type TriageModelInfo = z.infer<typeof TriageModelInfo>;

/** GET model: the newest version and the model itself, as the model code serialises it (loadTriageModel reads it). */
export const TriageModelResponse = TriageModelInfo.extend({ model: z.unknown() });
export type TriageModelResponse = z.infer<typeof TriageModelResponse>;

export const TriageModelList = z.object({ models: z.array(TriageModelInfo) });
export type TriageModelList = z.infer<typeof TriageModelList>;

export const DEFAULT_TRIAGE_THRESHOLD = 0.6;
export const DEFAULT_RETRAIN_EVERY_HOURS = 24;

export const TriageSettings = z.object({
  /** A prediction with any field's confidence below this puts the ticket in the triage queue. */
  threshold: z.number().min(0).max(1),
  /** How often the service retrains from corrections by itself; 0: only on demand. */
  retrainEveryHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 31),
});
export type TriageSettings = z.infer<typeof TriageSettings>;

/** The accuracy report's period: whole UTC days, both ends included; one department or all the user sees. */
export const TriageAccuracyQuery = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    departmentId: Id.optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'The period ends before it begins.', path: ['to'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < 366, {
    message: 'A period covers at most 366 days.',
    path: ['from'],
  });
export type TriageAccuracyQuery = z.infer<typeof TriageAccuracyQuery>;

/** Predictions of a field and how many a person corrected; accuracy = 1 - corrections / predictions (null: none). */
const Counts = {
  field: TriageField.exclude(['selfService']),
  predictions: z.number().int().nonnegative(),
  corrections: z.number().int().nonnegative(),
  accuracy: z.number().min(0).max(1).nullable(),
};
export const TriageAccuracyDay = z.object({ day: z.iso.date(), ...Counts });
export const TriageAccuracyVersion = z.object({ modelVersion: z.number().int().positive(), ...Counts });
export const TriageAccuracy = z.object({
  /** Per UTC day of the ticket's creation and field, days in order. */
  days: z.array(TriageAccuracyDay),
  /** Per model version and field, versions in order. */
  versions: z.array(TriageAccuracyVersion),
});
export type TriageAccuracy = z.infer<typeof TriageAccuracy>;

export const TriageQueue = z.object({ tickets: z.array(Ticket) });
export type TriageQueue = z.infer<typeof TriageQueue>;

/** POST confirm answers with the ticket as it now stands (its triage no longer needs review). */
export const TriageConfirmResponse = z.object({ ticket: Ticket });
export type TriageConfirmResponse = z.infer<typeof TriageConfirmResponse>;

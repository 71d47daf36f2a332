import { z } from 'zod';
import { Instant } from '../domain/ids';

/**
 * Triage on the desktop (issue 15, desk): the model this desktop triages with. The prediction travels on the
 * ticket (src/shared/triage/schemas.ts); the supervisor's figures and actions are the service's own
 * (src/shared/triage/api.ts), which the contract passes through.
 */
export const TriageModelStatus = z.object({
  /** null: no model was ever fetched here (tickets made offline are then not triaged until one is). */
  version: z.number().int().positive().nullable(),
  /** When the service was last asked and answered; null: never. */
  fetchedAt: Instant.nullable(),
  /** The confidence below which a field needs a person (the service's setting at that time). */
  threshold: z.number().min(0).max(1),
  /** Why the last fetch failed, in the service's words (null: it did not, or none was tried). */
  lastError: z.string().nullable(),
});
export type TriageModelStatus = z.infer<typeof TriageModelStatus>;

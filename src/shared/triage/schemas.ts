import { z } from 'zod';
import { Id, Instant } from '../domain/ids';
import { TicketPriority } from '../domain/priority';
import { TicketCategory, TriageDepartment } from './taxonomy';

/**
 * The triage contract (issue 15), shared by the central service, the desktop host (which triages tickets made
 * offline with the same model) and the renderer (which explains and corrects). The model itself (features,
 * weights, training) lives beside this in src/shared/triage; this file is only what crosses a boundary.
 */

/** The fields triage predicts, and that an agent can correct. */
export const TriageField = z.enum(['department', 'category', 'priority', 'selfService']);
export type TriageField = z.infer<typeof TriageField>;

/** Where a contact came from: the evaluation file's channels, plus the service's own. */
export const TriageChannel = z.enum(['chat', 'email', 'phone', 'wechat', 'web', 'api']);
export type TriageChannel = z.infer<typeof TriageChannel>;

const Confidence = z.number().min(0).max(1);

/** A term that pushed a field's prediction, with its share of the decision (for "why"). */
export const TriageTerm = z.object({ term: z.string().min(1).max(80), weight: z.number().finite() });
export type TriageTerm = z.infer<typeof TriageTerm>;

export const TriagePrediction = z.object({
  /** The model that made it: every prediction names its version, so accuracy can be followed per version. */
  modelVersion: z.number().int().positive(),
  at: Instant,
  department: z.object({ value: TriageDepartment, confidence: Confidence }),
  category: z.object({ value: TicketCategory, confidence: Confidence }),
  priority: z.object({ value: TicketPriority, confidence: Confidence }),
  /** Whether a knowledge article can answer it without an agent acting on the account. */
  selfService: z.object({ value: z.boolean(), confidence: Confidence }),
  /** The strongest terms behind each field's prediction, best first. */
  why: z.object({
    department: z.array(TriageTerm).max(8),
    category: z.array(TriageTerm).max(8),
    priority: z.array(TriageTerm).max(8),
    selfService: z.array(TriageTerm).max(8),
  }),
  /** The knowledge article that best answers the contact, when one scored high enough. */
  article: z.object({ id: Id, title: z.string().max(300) }).nullable(),
  /** Some field fell below the configured confidence: the contact waits in the triage queue for a person. */
  needsReview: z.boolean(),
  /** Where it was made: the service, a desktop offline, or the service with the optional LLM check agreeing. */
  source: z.enum(['service', 'desktop', 'llm_checked']),
});
export type TriagePrediction = z.infer<typeof TriagePrediction>;

/** An agent's one-click correction of a predicted field; recorded, audited, and used by the next training. */
export const TriageCorrection = z.object({
  ticketId: Id,
  field: TriageField,
  /** The value as text: a department or category label, a priority, or "true"/"false". */
  from: z.string().max(40),
  to: z.string().max(40),
  modelVersion: z.number().int().positive(),
});
export type TriageCorrection = z.infer<typeof TriageCorrection>;

/** One labelled line of the shipped data set and of `npm run eval:triage -- FILE.jsonl` (other keys ignored). */
export const LabelledContact = z.object({
  text: z.string().min(1).max(20000),
  lang: z.enum(['zh', 'en']),
  channel: z.enum(['chat', 'email', 'phone', 'wechat']),
  department: TriageDepartment,
  category: TicketCategory,
  priority: TicketPriority,
  self_service: z.boolean(),
});
export type LabelledContact = z.infer<typeof LabelledContact>;

import type { Ticket } from '../../shared';
import type { TicketCategory, TriagePrediction } from '../../shared/triage';
import { ensurePublishedTo } from '../customers/customer-store';
import type { Tx } from '../db/schema';
import { currentPredictor } from './model-store';
import { getTriageSettings } from './settings';

/** A ticket about to be inserted, before triage. */
export type TicketDraft = Omit<Ticket, 'version' | 'category' | 'triage'> & { number: number };

/** What a person (or a queue) already decided when the ticket was made; triage fills in the rest. */
export interface Decided {
  /** The department was chosen by a person or a queue: triage leaves it. */
  department: boolean;
  /** The priority was chosen by a person (or an API caller who sent one): triage leaves it. */
  priority: boolean;
  /** A category the creator gave. */
  category?: TicketCategory | null;
  /** A prediction made elsewhere (a desktop offline): kept, its review judged by the service's threshold. */
  prediction?: TriagePrediction | null;
}

/** The text triage reads: the subject, then the description. */
export const triageText = (t: { subject: string; description: string }): string =>
  `${t.subject}\n${t.description}`.slice(0, 20_000);

const lowestConfidence = (p: TriagePrediction) =>
  Math.min(p.department.confidence, p.category.confidence, p.priority.confidence, p.selfService.confidence);

/**
 * Triages a ticket inside the transaction that inserts it (src/server/triage/README.md): predicts from subject
 * and description with the newest stored model, sets the category, the priority and the department where no
 * person decided them, and records the prediction. The department and the priority follow the prediction only
 * when that field's confidence reaches the threshold: a doubtful guess leaves the ticket where its channel put it
 * (normal priority, the channel's department), in the triage queue for a person.
 * Without a stored model the ticket goes in untriaged.
 */
export async function triageDraft(
  trx: Tx,
  t: TicketDraft,
  decided: Decided,
  now: Date,
): Promise<TicketDraft & Pick<Ticket, 'category' | 'triage'>> {
  const { threshold } = await getTriageSettings(trx);
  if (decided.prediction) {
    const triage = { ...decided.prediction, needsReview: lowestConfidence(decided.prediction) < threshold };
    return { ...t, category: decided.category ?? triage.category.value, triage };
  }
  const predictor = await currentPredictor(trx);
  if (!predictor) return { ...t, category: decided.category ?? null, triage: null };
  const triage = predictor.predict(triageText(t), t.channel, {
    reviewBelow: threshold,
    at: now.toISOString(),
  });
  const out = {
    ...t,
    category: decided.category ?? triage.category.value,
    priority:
      decided.priority || triage.priority.confidence < threshold ? t.priority : triage.priority.value,
    triage,
  };
  if (!decided.department && triage.department.confidence >= threshold) {
    const dept = await trx
      .selectFrom('departments')
      .select('id')
      .where('triage_label', '=', triage.department.value)
      .orderBy('code')
      .executeTakeFirst();
    if (dept && dept.id !== t.departmentId) {
      // The department's replicas must know the customer before the ticket that names it.
      await ensurePublishedTo(trx, t.customerId, dept.id);
      return { ...out, departmentId: dept.id, assigneeId: null };
    }
  }
  return out;
}

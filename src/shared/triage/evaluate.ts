import type { TicketPriority } from '../domain/ticket';
import { LabelledContact } from './schemas';
import { TRIAGE_CATEGORIES, TRIAGE_DEPARTMENTS } from './taxonomy';
import type { TicketCategory, TriageDepartment } from './taxonomy';

/**
 * The figures of `npm run eval:triage` and of the triage model's test (issue 15): accuracy per field, the
 * category's macro-F1 with precision, recall and F1 per category, the confusion matrices of category and
 * department, and the latency of prediction. Pure, so the script, the test and a service's own accuracy report
 * compute them the same way.
 */

export const TRIAGE_TARGETS = {
  departmentAccuracy: 0.9,
  categoryMacroF1: 0.8,
  priorityAccuracy: 0.7,
  selfServiceAccuracy: 0.8,
  p95Ms: 20,
};

/** What a stage predicted for one line (the local model's, or an optional LLM stage's). */
export interface TriageGuess {
  department: TriageDepartment;
  category: TicketCategory;
  priority: TicketPriority;
  selfService: boolean;
}

export interface ClassReport {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface TriageEvaluation {
  lines: number;
  departmentAccuracy: number;
  categoryAccuracy: number;
  categoryMacroF1: number;
  priorityAccuracy: number;
  selfServiceAccuracy: number;
  perCategory: Record<TicketCategory, ClassReport>;
  /** confusion[actual][predicted] = lines. */
  categoryConfusion: Record<TicketCategory, Record<TicketCategory, number>>;
  departmentConfusion: Record<TriageDepartment, Record<TriageDepartment, number>>;
  /** Accuracy per field for each language of the lines. */
  byLanguage: Record<
    string,
    { lines: number; department: number; category: number; priority: number; selfService: number }
  >;
  p50Ms: number;
  p95Ms: number;
}

function matrix<L extends string>(labels: readonly L[]): Record<L, Record<L, number>> {
  return Object.fromEntries(labels.map((a) => [a, Object.fromEntries(labels.map((p) => [p, 0]))])) as Record<
    L,
    Record<L, number>
  >;
}

/** The q-quantile of some numbers (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function evaluateTriage(
  lines: readonly LabelledContact[],
  guesses: readonly TriageGuess[],
  latenciesMs: readonly number[],
): TriageEvaluation {
  if (guesses.length !== lines.length) throw new Error('One guess per line');
  const n = lines.length || 1;
  const categoryConfusion = matrix(TRIAGE_CATEGORIES);
  const departmentConfusion = matrix(TRIAGE_DEPARTMENTS);
  const hits = { department: 0, category: 0, priority: 0, selfService: 0 };
  const byLanguage: TriageEvaluation['byLanguage'] = {};
  lines.forEach((line, i) => {
    const g = guesses[i]!;
    categoryConfusion[line.category][g.category]++;
    departmentConfusion[line.department][g.department]++;
    const ok = {
      department: g.department === line.department,
      category: g.category === line.category,
      priority: g.priority === line.priority,
      selfService: g.selfService === line.self_service,
    };
    const lang = (byLanguage[line.lang] ??= {
      lines: 0,
      department: 0,
      category: 0,
      priority: 0,
      selfService: 0,
    });
    lang.lines++;
    for (const k of ['department', 'category', 'priority', 'selfService'] as const) {
      if (ok[k]) {
        hits[k]++;
        lang[k]++;
      }
    }
  });
  for (const lang of Object.values(byLanguage)) {
    for (const k of ['department', 'category', 'priority', 'selfService'] as const) lang[k] /= lang.lines;
  }

  const perCategory = {} as Record<TicketCategory, ClassReport>;
  let f1Sum = 0;
  let present = 0;
  for (const c of TRIAGE_CATEGORIES) {
    const tp = categoryConfusion[c][c];
    const support = TRIAGE_CATEGORIES.reduce((s, p) => s + categoryConfusion[c][p], 0);
    const predicted = TRIAGE_CATEGORIES.reduce((s, a) => s + categoryConfusion[a][c], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perCategory[c] = { precision, recall, f1, support };
    // Macro-F1 over the categories the file has or the model predicted (an absent, never-predicted one is no error).
    if (support || predicted) {
      f1Sum += f1;
      present++;
    }
  }

  return {
    lines: lines.length,
    departmentAccuracy: hits.department / n,
    categoryAccuracy: hits.category / n,
    categoryMacroF1: present ? f1Sum / present : 0,
    priorityAccuracy: hits.priority / n,
    selfServiceAccuracy: hits.selfService / n,
    perCategory,
    categoryConfusion,
    departmentConfusion,
    byLanguage,
    p50Ms: quantile(latenciesMs, 0.5),
    p95Ms: quantile(latenciesMs, 0.95),
  };
}

/** Whether the figures meet the issue's targets. */
export function meetsTriageTargets(e: TriageEvaluation): boolean {
  return (
    e.departmentAccuracy >= TRIAGE_TARGETS.departmentAccuracy &&
    e.categoryMacroF1 >= TRIAGE_TARGETS.categoryMacroF1 &&
    e.priorityAccuracy >= TRIAGE_TARGETS.priorityAccuracy &&
    e.selfServiceAccuracy >= TRIAGE_TARGETS.selfServiceAccuracy &&
    e.p95Ms <= TRIAGE_TARGETS.p95Ms
  );
}

export interface ParsedLines {
  lines: LabelledContact[];
  /** Lines that were not a labelled contact: 1-based line number and why. */
  bad: { line: number; reason: string }[];
}

/** Parse a JSONL file's text into labelled contacts (other keys ignored); bad lines are reported, not fatal. */
export function parseLabelledLines(text: string): ParsedLines {
  const lines: LabelledContact[] = [];
  const bad: ParsedLines['bad'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      bad.push({ line: i + 1, reason: `not JSON (${(e as Error).message})` });
      return;
    }
    const parsed = LabelledContact.safeParse(value);
    if (parsed.success) lines.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      bad.push({ line: i + 1, reason: `${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}` });
    }
  });
  return { lines, bad };
}

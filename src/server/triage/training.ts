import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  departmentOfCategory,
  TicketCategory,
  TriageDepartment,
  type LabelledContact,
  type TriageChannel,
} from '../../shared/triage';
import type { TriageMetrics } from '../../shared/triage/api';
import { evaluateTriage, parseLabelledLines } from '../../shared/triage/evaluate';
import {
  loadTriageModel,
  trainTriageModel,
  type TrainingLine,
  type TriageModelJson,
} from '../../shared/triage/model';
import { TicketPriority } from '../../shared';
import type { Tx } from '../db/schema';
import { triageCut } from './model-store';
import { triageText } from './triage-ticket';

/** The shipped labelled set (data/triage of the installation), unless the service is told another folder. */
export const defaultTriageDataDir = (): string =>
  resolve(process.env.TRIAGE_DATA_DIR ?? join(process.cwd(), 'data', 'triage'));

/** The seed every training uses: the same lines give the same model on every node. */
export const TRIAGE_TRAIN_SEED = 15;

/** The labelled lines of one split (*.train.jsonl or *.test.jsonl, in name order); none when the folder is absent. */
export function readSplit(dir: string, split: 'train' | 'test'): LabelledContact[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(`.${split}.jsonl`))
      .sort();
  } catch {
    return [];
  }
  return files.flatMap((f) => parseLabelledLines(readFileSync(join(dir, f), 'utf8')).lines);
}

/**
 * Every corrected ticket as a training line: its text (subject and description, as triage read it) with its
 * labels as they stand now (the category, its department's taxonomy label, the priority; self-service as
 * predicted, which nobody corrects). A ticket whose department has no triage label takes the category's.
 */
export async function correctedLines(trx: Tx): Promise<TrainingLine[]> {
  const rows = await trx
    .selectFrom('tickets as t')
    .innerJoin('departments as d', 'd.id', 't.department_id')
    .select([
      't.subject',
      't.description',
      't.channel',
      't.category',
      't.priority',
      't.triage',
      'd.triage_label',
    ])
    .where('t.deleted_at', 'is', null)
    .where('t.triage', 'is not', null)
    .where((eb) =>
      eb.exists(eb.selectFrom('triage_corrections as c').select('c.id').whereRef('c.ticket_id', '=', 't.id')),
    )
    .orderBy('t.created_at')
    .execute();
  const out: TrainingLine[] = [];
  for (const r of rows) {
    const triage = JSON.parse(r.triage!) as { selfService: { value: boolean }; category: { value: string } };
    const category = TicketCategory.safeParse(r.category ?? triage.category.value);
    if (!category.success) continue;
    const label = TriageDepartment.safeParse(r.triage_label);
    out.push({
      text: triageText(r),
      channel: r.channel as TriageChannel,
      department: label.success ? label.data : departmentOfCategory(category.data),
      category: category.data,
      priority: TicketPriority.parse(r.priority),
      self_service: triage.selfService.value,
    });
  }
  return out;
}

export interface Trained {
  model: TriageModelJson;
  trainedLines: number;
  correctionsUsed: number;
  metrics: TriageMetrics;
}

/** The figures of a model on the test split (zeros with testLines 0 when none is shipped). */
function metricsOf(model: TriageModelJson, test: LabelledContact[]): TriageMetrics {
  if (test.length === 0) {
    return {
      departmentAccuracy: 0,
      categoryMacroF1: 0,
      priorityAccuracy: 0,
      selfServiceAccuracy: 0,
      testLines: 0,
    };
  }
  const predictor = loadTriageModel(model, { cut: triageCut, modelVersion: 1, source: 'service' });
  const guesses = test.map((l) => {
    const p = predictor.predict(l.text, l.channel);
    return {
      department: p.department.value,
      category: p.category.value,
      priority: p.priority.value,
      selfService: p.selfService.value,
    };
  });
  const e = evaluateTriage(test, guesses, []);
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    departmentAccuracy: r(e.departmentAccuracy),
    categoryMacroF1: r(e.categoryMacroF1),
    priorityAccuracy: r(e.priorityAccuracy),
    selfServiceAccuracy: r(e.selfServiceAccuracy),
    testLines: test.length,
  };
}

/** Trainings of the shipped lines alone, by their text: every test server of a process trains version 1 once. */
const shippedOnly = new Map<string, Trained>();

/**
 * Trains on the shipped lines and the corrections (after them: the model keeps the last line of a text, so a
 * correction wins over a shipped line of the same text) and measures the result on the test split. Throws
 * when there is nothing to learn from.
 */
export function train(dir: string, corrections: TrainingLine[]): Trained {
  const shipped = readSplit(dir, 'train');
  const lines: TrainingLine[] = [...shipped, ...corrections];
  if (lines.length === 0) {
    throw new Error(`No labelled lines to train the triage model on (no *.train.jsonl in ${dir}).`);
  }
  const key = corrections.length === 0 ? JSON.stringify(shipped) : null;
  const memo = key === null ? undefined : shippedOnly.get(key);
  if (memo) return memo;
  const model = trainTriageModel(lines, { cut: triageCut, seed: TRIAGE_TRAIN_SEED });
  const out: Trained = {
    model,
    trainedLines: lines.length,
    correctionsUsed: corrections.length,
    metrics: metricsOf(model, readSplit(dir, 'test')),
  };
  if (key !== null) shippedOnly.set(key, out);
  return out;
}

import { randomUUID } from 'node:crypto';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { TriageMetrics, type TriageModelInfo } from '../../shared/triage/api';
import { loadTriageModel, type TriagePredictor } from '../../shared/triage/model';
import type { Database, Tx } from '../db/schema';

/**
 * The stored triage models (migration 0031, table triage_models). The database is the truth: every node uses the
 * newest stored version, reading only its version and id per triage (one indexed row), and loads a version's
 * weights once per process (cached by the model's random id, so test servers in one process never mix models).
 */

let jieba: Jieba | null = null;
/** The word cutter the service gives the shared tokenizer: jieba's precise mode (as eval:triage). */
export function triageCut(text: string): string[] {
  jieba ??= Jieba.withDict(dict);
  return jieba.cut(text, false);
}

type Row = Database['triage_models'];

export const infoOf = (r: Omit<Row, 'model' | 'id'>): TriageModelInfo => ({
  version: r.version,
  createdAt: r.created_at,
  trainedLines: r.trained_lines,
  correctionsUsed: r.corrections_used,
  metrics: TriageMetrics.parse(JSON.parse(r.metrics)),
  trainedBy: r.trained_by,
});

/** The newest version's number, id and creation time; undefined while none is stored. */
export async function newestModelHead(
  trx: Tx,
): Promise<{ version: number; id: string; created_at: string } | undefined> {
  return trx
    .selectFrom('triage_models')
    .select(['version', 'id', 'created_at'])
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The newest version with its serialised model. */
export async function newestModel(trx: Tx): Promise<Row | undefined> {
  return trx.selectFrom('triage_models').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function listModels(trx: Tx): Promise<TriageModelInfo[]> {
  const rows = await trx
    .selectFrom('triage_models')
    .select(['version', 'created_at', 'trained_lines', 'corrections_used', 'metrics', 'trained_by'])
    .orderBy('version', 'desc')
    .execute();
  return rows.map(infoOf);
}

/**
 * Stores a trained model as the next version, unless the newest stored one is no longer `basedOn` (another node
 * trained meanwhile: its model stands, this one is dropped). Returns the stored row's info, or undefined.
 */
export async function storeModel(
  trx: Tx,
  m: {
    model: unknown;
    trainedLines: number;
    correctionsUsed: number;
    metrics: TriageMetrics;
    trainedBy: string | null;
    at: string;
  },
  basedOn: number | null,
): Promise<TriageModelInfo | undefined> {
  const head = await newestModelHead(trx);
  if ((head?.version ?? null) !== basedOn) return undefined;
  const row: Row = {
    version: (head?.version ?? 0) + 1,
    id: randomUUID(),
    created_at: m.at,
    trained_lines: m.trainedLines,
    corrections_used: m.correctionsUsed,
    metrics: JSON.stringify(m.metrics),
    trained_by: m.trainedBy,
    model: JSON.stringify(m.model),
  };
  // Two nodes storing the same version at once (PostgreSQL): the second finds the key taken and stores nothing.
  const r = await trx
    .insertInto('triage_models')
    .values(row)
    .onConflict((oc) => oc.column('version').doNothing())
    .executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return undefined;
  return infoOf(row);
}

const predictors = new Map<string, TriagePredictor>();

/** The predictor of the newest stored version (loaded once per process); undefined while none is stored. */
export async function currentPredictor(trx: Tx): Promise<TriagePredictor | undefined> {
  const head = await newestModelHead(trx);
  if (!head) return undefined;
  const cached = predictors.get(head.id);
  if (cached) return cached;
  const row = await trx
    .selectFrom('triage_models')
    .select('model')
    .where('id', '=', head.id)
    .executeTakeFirstOrThrow();
  const predictor = loadTriageModel(JSON.parse(row.model), {
    cut: triageCut,
    modelVersion: head.version,
    source: 'service',
  });
  // A few versions stay loaded (nodes move forward; test servers in one process each have their own).
  if (predictors.size >= 8) predictors.delete(predictors.keys().next().value!);
  predictors.set(head.id, predictor);
  return predictor;
}

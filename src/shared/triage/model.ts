import type { TicketPriority } from '../domain/ticket';
import type { LabelledContact, TriageChannel, TriagePrediction, TriageTerm } from './schemas';
import { DEFAULT_FEATURE_OPTIONS, makeTriageTokenizer } from './features';
import type { TriageFeatureOptions, WordCutter } from './features';
import {
  CATEGORIES_BY_DEPARTMENT,
  TRIAGE_CATEGORIES,
  TRIAGE_DEPARTMENTS,
  departmentOfCategory,
} from './taxonomy';
import type { TicketCategory, TriageDepartment } from './taxonomy';

/**
 * The local triage model (issue 15): one multinomial logistic regression per field (department, category,
 * priority, self-service) over the features of ./features.ts, weighted by sublinear tf-idf and normalised, trained
 * with AdaGrad and L2 from a fixed seed, so the same lines always give the same model. Pure TypeScript: the
 * central service trains and predicts with it, the desktop host predicts with the same JSON offline.
 *
 * Department and category never disagree: the category model's probabilities and the department model's are
 * combined into one joint distribution over categories (p(c) ∝ p_cat(c) · p_dept(department of c)); the
 * department is the one with the most joint probability, the category the likeliest within it. Confidences are
 * these probabilities (softmax), so a threshold on them sends doubtful contacts to a person.
 */

export const TRIAGE_MODEL_FORMAT = 'switchboard-triage-model';
export const TRIAGE_MODEL_FORMAT_VERSION = 1;

/** Weights are saved as integers up to this (8 bits with sign): short numbers in the JSON, and enough. */
const QUANT = 127;

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const satisfies readonly TicketPriority[];
const SELF_SERVICE = ['false', 'true'] as const;

/**
 * The classifiers: one per predicted field, and `urgency`, priority and self-service together (a question a
 * knowledge article answers is seldom urgent): it ties the two as the joint distribution ties department and
 * category.
 */
type ModelField = 'department' | 'category' | 'priority' | 'selfService' | 'urgency';
const FIELDS: readonly ModelField[] = ['department', 'category', 'priority', 'selfService', 'urgency'];
const URGENCY = PRIORITIES.flatMap((p) => SELF_SERVICE.map((s) => `${p}|${s}`));
const LABELS: Record<ModelField, readonly string[]> = {
  department: TRIAGE_DEPARTMENTS,
  category: TRIAGE_CATEGORIES,
  priority: PRIORITIES,
  selfService: SELF_SERVICE,
  urgency: URGENCY,
};

/** A line to learn from: a labelled contact, or an agent's corrected one (lang is not needed). */
export type TrainingLine = Pick<
  LabelledContact,
  'text' | 'department' | 'category' | 'priority' | 'self_service'
> & {
  channel: TriageChannel;
  /** How much the line counts (1 by default): corrections may count more. */
  weight?: number;
};

export interface TrainTriageOptions {
  cut: WordCutter;
  /** The seed of the shuffling; the same lines and seed give the same model. */
  seed?: number;
  epochs?: number;
  /** AdaGrad's step size. */
  learningRate?: number;
  /** L2 penalty per step on the weights a line touches; a field may have its own. */
  l2?: number;
  fieldL2?: Partial<Record<ModelField, number>>;
  /** Features seen in fewer lines than this are left out. */
  minDf?: number;
  /** Weights smaller than this share of the field's largest are dropped from the saved model. */
  prune?: number;
  /** Weigh each class by the inverse of its frequency in the training lines (per field). */
  balanced?: Partial<Record<ModelField, boolean>>;
  features?: Partial<TriageFeatureOptions>;
  /** How much each feature group counts for each field (saved with the model, so prediction does the same). */
  groups?: Partial<Record<ModelField, GroupWeights>>;
  /** How much the joint priority and self-service classifier counts against the two separate ones (0: not). */
  urgencyCoupling?: number;
}

type Settings = Omit<Required<TrainTriageOptions>, 'cut' | 'features' | 'balanced'> & {
  balanced: Record<ModelField, boolean>;
};

/**
 * Chosen by 5-fold cross-validation on the training split (`npm run eval:triage -- --cv 5`), never on the test
 * split. Priority and self-service read words, the shape of the text and the channel, not character n-grams:
 * n-grams tell the topic, which says little about how urgent a contact is.
 */
const DEFAULTS: Settings = {
  seed: 15,
  epochs: 15,
  learningRate: 0.3,
  l2: 1e-5,
  minDf: 2,
  prune: 0.05,
  balanced: { department: false, category: true, priority: false, selfService: false, urgency: false },
  urgencyCoupling: 1,
  fieldL2: {},
  groups: {
    department: { c: 0 },
    category: { c: 0 },
    priority: { h: 0, g: 0, b: 0, w: 0.5, s: 2, ch: 2, c: 3 },
    selfService: { h: 0, g: 0, ch: 2 },
    urgency: { h: 0, g: 0, b: 0, w: 0.5, s: 2, ch: 2, c: 3 },
  },
};

interface FieldJson {
  labels: string[];
  /** The feature groups' factors for this field. */
  groups: GroupWeights;
  bias: number[];
  /** Quantised weights: value = q · scale. */
  scale: number;
  /**
   * Non-zero weights as flat triples (feature gap, class, q): the feature index is given as the gap from the
   * previous triple's, which keeps the numbers short.
   */
  weights: number[];
}

/** The saved model: JSON, versioned, compact (near-zero weights pruned, the rest quantised to 8 bits). */
export interface TriageModelJson {
  format: typeof TRIAGE_MODEL_FORMAT;
  formatVersion: typeof TRIAGE_MODEL_FORMAT_VERSION;
  seed: number;
  trainedOn: number;
  features: TriageFeatureOptions;
  urgencyCoupling: number;
  vocabulary: string[];
  /** Inverse document frequency per vocabulary entry, rounded. */
  idf: number[];
  fields: Record<ModelField, FieldJson>;
}

/** A deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
}

/** A feature's group: its prefix (w, b, h, g, ch, s; see ./features.ts). */
function groupOf(feature: string): string {
  return feature.slice(0, feature.indexOf(':'));
}

/** Per field, a factor for each feature group (missing: 1; 0 leaves the group out of that field). */
export type GroupWeights = Partial<Record<string, number>>;

/** Sublinear tf · idf · the group's factor, L2-normalised. */
function vectorise(
  features: string[],
  index: Map<string, number>,
  idf: ArrayLike<number>,
  groups: GroupWeights = {},
): SparseVector {
  const tf = new Map<number, number>();
  const factor = new Map<number, number>();
  for (const f of features) {
    const i = index.get(f);
    if (i === undefined) continue;
    const g = groups[groupOf(f)] ?? 1;
    if (g === 0) continue;
    tf.set(i, (tf.get(i) ?? 0) + 1);
    factor.set(i, g);
  }
  const idx = new Int32Array(tf.size);
  const val = new Float64Array(tf.size);
  let k = 0;
  let norm = 0;
  for (const [i, n] of tf) {
    const v = (1 + Math.log(n)) * idf[i]! * factor.get(i)!;
    idx[k] = i;
    val[k] = v;
    norm += v * v;
    k++;
  }
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < val.length; j++) val[j]! /= norm;
  return { idx, val };
}

function softmax(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  const p = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) {
    p[k] = Math.exp(z[k]! - max);
    sum += p[k]!;
  }
  for (let k = 0; k < z.length; k++) p[k]! /= sum;
  return p;
}

function labelOf(line: TrainingLine, field: ModelField): string {
  switch (field) {
    case 'department':
      // The category names the department; a line whose two disagree is taught its category's.
      return departmentOfCategory(line.category);
    case 'category':
      return line.category;
    case 'priority':
      return line.priority;
    case 'selfService':
      return String(line.self_service);
    case 'urgency':
      return `${line.priority}|${String(line.self_service)}`;
  }
}

/**
 * Train the model. Lines with the same text (after trimming) count once, the last one winning: an agent's
 * correction given after the original line replaces its labels.
 */
export function trainTriageModel(
  lines: readonly TrainingLine[],
  options: TrainTriageOptions,
): TriageModelJson {
  const o: Settings = {
    ...DEFAULTS,
    ...options,
    balanced: { ...DEFAULTS.balanced, ...options.balanced },
    groups: { ...DEFAULTS.groups, ...options.groups },
  };
  const featureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...options.features };
  const tokenize = makeTriageTokenizer(options.cut, featureOptions);

  const byText = new Map<string, TrainingLine>();
  for (const line of lines) {
    const key = line.text.trim();
    byText.delete(key);
    byText.set(key, line);
  }
  const data = [...byText.values()];
  if (data.length === 0) throw new Error('No lines to train the triage model on');

  const docs = data.map((l) => tokenize(l.text, l.channel).features);
  const df = new Map<string, number>();
  for (const d of docs) for (const f of new Set(d)) df.set(f, (df.get(f) ?? 0) + 1);
  const vocabulary = [...df.keys()].filter((f) => df.get(f)! >= o.minDf).sort();
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const n = data.length;
  const idf = vocabulary.map((f) => round(Math.log((1 + n) / (1 + df.get(f)!)) + 1, 4));

  const fields = {} as Record<ModelField, FieldJson>;
  for (const field of FIELDS) {
    const labels = LABELS[field];
    const y = data.map((l) => labels.indexOf(labelOf(l, field)));
    const classWeight = new Float64Array(labels.length).fill(1);
    if (o.balanced[field]) {
      const counts = new Float64Array(labels.length);
      for (const k of y) counts[k]!++;
      const present = counts.filter((c) => c > 0).length;
      for (let k = 0; k < labels.length; k++)
        classWeight[k] = counts[k]! > 0 ? n / (present * counts[k]!) : 1;
    }
    const weights = data.map((l, i) => (l.weight ?? 1) * classWeight[y[i]!]!);
    const groups = o.groups[field] ?? {};
    const vectors = docs.map((d) => vectorise(d, index, idf, groups));
    const l2 = o.fieldL2[field] ?? o.l2;
    fields[field] = { ...trainField(vectors, y, weights, labels, vocabulary.length, { ...o, l2 }), groups };
  }

  return {
    format: TRIAGE_MODEL_FORMAT,
    formatVersion: TRIAGE_MODEL_FORMAT_VERSION,
    seed: o.seed,
    trainedOn: n,
    features: featureOptions,
    urgencyCoupling: o.urgencyCoupling,
    vocabulary,
    idf,
    fields,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function trainField(
  vectors: SparseVector[],
  y: number[],
  sampleWeight: number[],
  labels: readonly string[],
  features: number,
  o: Settings,
): Omit<FieldJson, 'groups'> {
  const K = labels.length;
  const W = new Float64Array(features * K);
  const G = new Float64Array(features * K);
  const b = new Float64Array(K);
  const Gb = new Float64Array(K);
  const random = prng(o.seed);
  const order = vectors.map((_, i) => i);
  const z = new Float64Array(K);
  const eps = 1e-8;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const d of order) {
      const { idx, val } = vectors[d]!;
      for (let k = 0; k < K; k++) z[k] = b[k]!;
      for (let j = 0; j < idx.length; j++) {
        const base = idx[j]! * K;
        const x = val[j]!;
        for (let k = 0; k < K; k++) z[k]! += x * W[base + k]!;
      }
      const p = softmax(z);
      const sw = sampleWeight[d]!;
      for (let k = 0; k < K; k++) {
        const g = sw * (p[k]! - (k === y[d] ? 1 : 0));
        Gb[k]! += g * g;
        b[k]! -= (o.learningRate * g) / Math.sqrt(Gb[k]! + eps);
        for (let j = 0; j < idx.length; j++) {
          const w = idx[j]! * K + k;
          const grad = g * val[j]! + o.l2 * W[w]!;
          G[w]! += grad * grad;
          W[w]! -= (o.learningRate * grad) / Math.sqrt(G[w]! + eps);
        }
      }
    }
  }

  // Softmax ignores what all classes of a feature share: take each feature's median off its weights, so the
  // many classes a feature says nothing about sit at zero and are pruned.
  const row = new Float64Array(K);
  for (let f = 0; f < features; f++) {
    for (let k = 0; k < K; k++) row[k] = W[f * K + k]!;
    row.sort();
    const median = K % 2 ? row[(K - 1) / 2]! : (row[K / 2 - 1]! + row[K / 2]!) / 2;
    for (let k = 0; k < K; k++) W[f * K + k]! -= median;
  }
  let maxAbs = 0;
  for (const w of W) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs / QUANT || 1;
  const cut = maxAbs * o.prune;
  const triples: number[] = [];
  let last = 0;
  for (let f = 0; f < features; f++) {
    for (let k = 0; k < K; k++) {
      const w = W[f * K + k]!;
      if (Math.abs(w) < cut) continue;
      const q = Math.round(w / scale);
      if (q === 0) continue;
      triples.push(f - last, k, q);
      last = f;
    }
  }
  return { labels: [...labels], bias: [...b].map((v) => round(v, 5)), scale, weights: triples };
}

export interface TriagePredictOptions {
  /** A field whose confidence is below this sends the contact to the triage queue (0 to 1). */
  reviewBelow?: number;
  /** The time of the prediction; now by default. */
  at?: string;
}

export interface LoadTriageOptions {
  cut: WordCutter;
  /** The version the caller gave this model; every prediction carries it. */
  modelVersion: number;
  /** Where the predictions are made. */
  source: TriagePrediction['source'];
  /** The default review threshold of predict(). */
  reviewBelow?: number;
}

/** Each field's probabilities, labels in the model's order. */
export interface TriageScores {
  department: Record<TriageDepartment, number>;
  category: Record<TicketCategory, number>;
  priority: Record<TicketPriority, number>;
  selfService: { true: number; false: number };
}

export interface TriagePredictor {
  readonly modelVersion: number;
  /** How many lines the model was trained on. */
  readonly trainedOn: number;
  predict(text: string, channel: TriageChannel, options?: TriagePredictOptions): TriagePrediction;
  /** The probabilities behind predict(), for evaluation and for an LLM stage that checks the model. */
  scores(text: string, channel: TriageChannel): TriageScores;
}

interface LoadedField {
  labels: string[];
  groups: GroupWeights;
  K: number;
  bias: Float64Array;
  W: Float32Array;
}

/** Read a saved model (refusing another format or version) and return its predictor. */
export function loadTriageModel(json: unknown, options: LoadTriageOptions): TriagePredictor {
  const m = json as Partial<TriageModelJson> | null;
  if (!m || typeof m !== 'object' || m.format !== TRIAGE_MODEL_FORMAT) {
    throw new Error('Not a triage model (format is not switchboard-triage-model)');
  }
  if (m.formatVersion !== TRIAGE_MODEL_FORMAT_VERSION) {
    throw new Error(`Triage model format ${String(m.formatVersion)} is not supported (expected 1)`);
  }
  const { vocabulary, idf, fields, features } = m as TriageModelJson;
  if (!Array.isArray(vocabulary) || !Array.isArray(idf) || idf.length !== vocabulary.length || !fields) {
    throw new Error('Triage model is damaged: vocabulary and idf do not match');
  }
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const V = vocabulary.length;
  const loaded = {} as Record<ModelField, LoadedField>;
  for (const field of FIELDS) {
    const f = fields[field];
    const expected = LABELS[field];
    if (!f || f.labels.length !== expected.length || f.labels.some((l, i) => l !== expected[i])) {
      throw new Error(`Triage model is damaged: the ${field} labels are not the taxonomy's`);
    }
    const K = expected.length;
    const W = new Float32Array(V * K);
    let feature = 0;
    for (let t = 0; t + 2 < f.weights.length; t += 3) {
      feature += f.weights[t]!;
      const k = f.weights[t + 1]!;
      if (feature >= V || k >= K)
        throw new Error(`Triage model is damaged: a ${field} weight is out of range`);
      W[feature * K + k] = f.weights[t + 2]! * f.scale;
    }
    loaded[field] = { labels: f.labels, groups: f.groups ?? {}, K, bias: Float64Array.from(f.bias), W };
  }
  const tokenize = makeTriageTokenizer(options.cut, { ...DEFAULT_FEATURE_OPTIONS, ...features });
  const trainedOn = (m as TriageModelJson).trainedOn;
  const coupling = (m as TriageModelJson).urgencyCoupling;
  if (typeof coupling !== 'number' || !(coupling >= 0))
    throw new Error('Triage model is damaged: no urgency coupling');

  interface Analysed {
    /** Each field's vector (fields may weigh the feature groups differently). */
    vector: Record<ModelField, SparseVector>;
    /** For each vocabulary entry of the text, the words it came from and their share. */
    credit: Map<number, Map<string, number>>;
    p: Record<ModelField, Float64Array>;
    joint: Float64Array;
    /** Priority's and self-service's probabilities, each weighed by the other through the urgency classifier. */
    priority: Float64Array;
    selfService: Float64Array;
  }

  function analyse(text: string, channel: TriageChannel): Analysed {
    const { features: fs, sources } = tokenize(text, channel);
    const credit = new Map<number, Map<string, number>>();
    fs.forEach((f, i) => {
      const at = index.get(f);
      const src = sources[i]!;
      if (at === undefined || src.length === 0) return;
      let words = credit.get(at);
      if (!words) credit.set(at, (words = new Map()));
      for (const w of src) words.set(w, (words.get(w) ?? 0) + 1 / src.length);
    });
    const p = {} as Record<ModelField, Float64Array>;
    const vector = {} as Record<ModelField, SparseVector>;
    const byGroups = new Map<string, SparseVector>();
    for (const field of FIELDS) {
      const { K, bias, W, groups } = loaded[field];
      const key = JSON.stringify(groups);
      let v = byGroups.get(key);
      if (!v) byGroups.set(key, (v = vectorise(fs, index, idf, groups)));
      vector[field] = v;
      const z = Float64Array.from(bias);
      for (let j = 0; j < v.idx.length; j++) {
        const base = v.idx[j]! * K;
        const x = v.val[j]!;
        for (let k = 0; k < K; k++) z[k]! += x * W[base + k]!;
      }
      p[field] = softmax(z);
    }
    // The joint distribution over categories: the category model weighed by its department's probability.
    const joint = new Float64Array(TRIAGE_CATEGORIES.length);
    let sum = 0;
    TRIAGE_CATEGORIES.forEach((c, k) => {
      joint[k] = p.category[k]! * p.department[TRIAGE_DEPARTMENTS.indexOf(departmentOfCategory(c))]!;
      sum += joint[k]!;
    });
    for (let k = 0; k < joint.length; k++) joint[k]! /= sum || 1;
    // Priority and self-service likewise: p(pr, ss) ∝ p_pr(pr) · p_ss(ss) · p_urgency(pr, ss)^coupling.
    const priority = new Float64Array(PRIORITIES.length);
    const selfService = new Float64Array(SELF_SERVICE.length);
    let total = 0;
    for (let i = 0; i < PRIORITIES.length; i++) {
      for (let j = 0; j < SELF_SERVICE.length; j++) {
        const q = p.priority[i]! * p.selfService[j]! * p.urgency[i * SELF_SERVICE.length + j]! ** coupling;
        priority[i]! += q;
        selfService[j]! += q;
        total += q;
      }
    }
    for (let i = 0; i < priority.length; i++) priority[i]! /= total || 1;
    for (let j = 0; j < selfService.length; j++) selfService[j]! /= total || 1;
    return { vector, credit, p, joint, priority, selfService };
  }

  function departmentShares(joint: Float64Array): number[] {
    return TRIAGE_DEPARTMENTS.map((d) =>
      CATEGORIES_BY_DEPARTMENT[d].reduce((s, c) => s + joint[TRIAGE_CATEGORIES.indexOf(c)]!, 0),
    );
  }

  /** The words that pushed class k of a field, by their share of the positive push. */
  function why(a: Analysed, field: ModelField, k: number): TriageTerm[] {
    const { K, W } = loaded[field];
    const byWord = new Map<string, number>();
    const v = a.vector[field];
    for (let j = 0; j < v.idx.length; j++) {
      const f = v.idx[j]!;
      const words = a.credit.get(f);
      if (!words) continue;
      let mean = 0;
      for (let c = 0; c < K; c++) mean += W[f * K + c]!;
      mean /= K;
      // Softmax ignores what all classes share: a feature counts by how much more it favours k than the rest.
      const push = v.val[j]! * (W[f * K + k]! - mean);
      let shares = 0;
      for (const s of words.values()) shares += s;
      for (const [w, s] of words) byWord.set(w, (byWord.get(w) ?? 0) + (push * s) / shares);
    }
    const positive = [...byWord]
      .filter(([, v]) => v > 0)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const total = positive.reduce((s, [, v]) => s + v, 0);
    return positive
      .slice(0, 8)
      .map(([term, v]) => ({ term: term.slice(0, 80), weight: round(v / total, 3) }));
  }

  function argmax(p: ArrayLike<number>): number {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return best;
  }

  function toRecord<L extends string>(labels: readonly L[], p: ArrayLike<number>): Record<L, number> {
    return Object.fromEntries(labels.map((l, k) => [l, p[k]!])) as Record<L, number>;
  }

  return {
    modelVersion: options.modelVersion,
    trainedOn,
    scores(text, channel) {
      const a = analyse(text, channel);
      return {
        department: toRecord(TRIAGE_DEPARTMENTS, departmentShares(a.joint)),
        category: toRecord(TRIAGE_CATEGORIES, a.joint),
        priority: toRecord(PRIORITIES, a.priority),
        selfService: { false: a.selfService[0]!, true: a.selfService[1]! },
      };
    },
    predict(text, channel, predictOptions = {}) {
      const a = analyse(text, channel);
      const shares = departmentShares(a.joint);
      const d = argmax(shares);
      const department = TRIAGE_DEPARTMENTS[d]!;
      // The likeliest category of the chosen department: the two never disagree.
      let category: TicketCategory = CATEGORIES_BY_DEPARTMENT[department][0];
      for (const c of CATEGORIES_BY_DEPARTMENT[department]) {
        if (a.joint[TRIAGE_CATEGORIES.indexOf(c)]! > a.joint[TRIAGE_CATEGORIES.indexOf(category)]!)
          category = c;
      }
      const c = TRIAGE_CATEGORIES.indexOf(category);
      const pr = argmax(a.priority);
      const ss = argmax(a.selfService);
      const confidence = {
        department: clamp01(shares[d]!),
        category: clamp01(a.joint[c]!),
        priority: clamp01(a.priority[pr]!),
        selfService: clamp01(a.selfService[ss]!),
      };
      const threshold = predictOptions.reviewBelow ?? options.reviewBelow ?? 0;
      return {
        modelVersion: options.modelVersion,
        at: predictOptions.at ?? new Date().toISOString(),
        department: { value: department, confidence: confidence.department },
        category: { value: category, confidence: confidence.category },
        priority: { value: PRIORITIES[pr]!, confidence: confidence.priority },
        selfService: { value: ss === 1, confidence: confidence.selfService },
        why: {
          department: why(a, 'department', d),
          category: why(a, 'category', c),
          priority: why(a, 'priority', pr),
          selfService: why(a, 'selfService', ss),
        },
        article: null,
        needsReview: Object.values(confidence).some((v) => v < threshold),
        source: options.source,
      };
    },
  };
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, round(v, 4)));
}

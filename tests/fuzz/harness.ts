import fc from 'fast-check';
import { appendFileSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import { ErrorBody } from '../../src/shared';

/**
 * Run settings of the fuzz suite. CI runs a modest, fixed number of inputs per target from a fixed seed, so a
 * red build replays exactly; FUZZ_RUNS / FUZZ_SEED / FUZZ_PATH ask for more or replay a reported failure
 * (tests/fuzz/README.md).
 */
const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, not "${raw}"`);
  return n;
};

export const FUZZ = {
  runs: envInt('FUZZ_RUNS', 100),
  seed: envInt('FUZZ_SEED', 20261204),
  path: process.env['FUZZ_PATH'] || undefined,
  /** Only the target of this name runs (to replay one failure with its FUZZ_PATH). */
  target: process.env['FUZZ_TARGET'] || undefined,
  /** Longest wait for one answer: a server that never answers is a failure, not a slow test. */
  answerMs: envInt('FUZZ_ANSWER_MS', 8000),
};

/** Vitest time limit for a test that runs `targets` properties of FUZZ.runs inputs each. */
export const testTimeout = (targets: number) => 60_000 + targets * FUZZ.runs * 150;

/** Rejects when `p` has not settled within FUZZ.answerMs: a hang is a failure with its input shown. */
export function answerWithin<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer to ${what} within ${FUZZ.answerMs} ms`)),
      FUZZ.answerMs,
    );
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

interface Tally {
  target: string;
  tried: number;
  failures: number;
  ms: number;
}

/**
 * One tally per test file: every property adds the inputs it tried and the ones that broke it, and the file
 * prints them when it ends (the figures the issue's closing note asks for). FUZZ_SUMMARY=<file> also appends
 * them there as JSON lines, for CI to add up.
 */
export function fuzzTally(suite: string) {
  const rows: Tally[] = [];
  afterAll(() => {
    const tried = rows.reduce((n, r) => n + r.tried, 0);
    const failures = rows.reduce((n, r) => n + r.failures, 0);
    const lines = rows.map(
      (r) =>
        `  ${r.target}: ${r.tried} inputs tried, failures: ${r.failures} (${(r.ms / 1000).toFixed(1)} s)`,
    );
    console.log(
      `fuzz ${suite} (seed ${FUZZ.seed}, ${FUZZ.runs} runs per target): ${rows.length} targets, ` +
        `${tried} inputs tried, failures: ${failures}\n${lines.join('\n')}`,
    );
    const file = process.env['FUZZ_SUMMARY'];
    if (file) {
      appendFileSync(file, rows.map((r) => JSON.stringify({ suite, seed: FUZZ.seed, ...r }) + '\n').join(''));
    }
  });

  return {
    /**
     * Checks `predicate` on FUZZ.runs inputs of `arb`. A failure throws fast-check's report: the seed, the
     * path to replay it (FUZZ_SEED=... FUZZ_PATH=...) and the shrunk counterexample.
     */
    async check<T>(target: string, arb: fc.Arbitrary<T>, predicate: (input: T) => Promise<void>) {
      if (FUZZ.target !== undefined && FUZZ.target !== target) return;
      const row: Tally = { target, tried: 0, failures: 0, ms: 0 };
      const started = performance.now();
      rows.push(row);
      const property = fc.asyncProperty(arb, async (input) => {
        row.tried++;
        try {
          await predicate(input);
        } catch (e) {
          row.failures++;
          throw e;
        }
      });
      try {
        await fc.assert(property, {
          numRuns: FUZZ.runs,
          seed: FUZZ.seed,
          path: FUZZ.path,
          maxSkipsPerRun: 1000,
          reporter: (run) => {
            if (!run.failed) return;
            const cause =
              run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
            throw new Error(
              `fuzz target "${target}" failed after ${run.numRuns} inputs (shrunk ${run.numShrinks} times)\n` +
                `replay: FUZZ_SEED=${run.seed} FUZZ_PATH="${run.counterexamplePath}" FUZZ_TARGET="${target}" ` +
                `FUZZ_RUNS=${FUZZ.runs}\ncounterexample: ${summarize(run.counterexample)}\ncause: ${cause}`,
              { cause: run.errorInstance },
            );
          },
        });
      } finally {
        row.ms = performance.now() - started;
      }
    },
  };
}

/** Codes a hostile input may get: anything we defined except `internal` (a crash we did not foresee). */
export function expectClearError(body: unknown, what: string): ErrorBody {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) throw new Error(`${what}: the answer is not an error body: ${preview(body)}`);
  expect(parsed.data.code, `${what}: ${parsed.data.message}`).not.toBe('internal');
  expect(parsed.data.message.trim().length, `${what}: empty error message`).toBeGreaterThan(0);
  // A clear error is a sentence, not an echo of the megabytes that were sent.
  expect(
    parsed.data.message.length,
    `${what}: error message of ${parsed.data.message.length} chars`,
  ).toBeLessThan(4000);
  expect(
    parsed.data.issues?.length ?? 0,
    `${what}: ${parsed.data.issues?.length} issues listed`,
  ).toBeLessThan(100);
  return parsed.data;
}

export function preview(v: unknown, max = 300): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s === undefined ? String(v) : s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** Object.prototype must come out of every input as it went in (prototype pollution). */
export function expectPrototypesClean(): void {
  const polluted = ['polluted', 'isAdmin', 'role', 'toJSONx'].filter(
    (k) => (Object.prototype as Record<string, unknown>)[k] !== undefined,
  );
  expect(polluted, 'Object.prototype was polluted').toEqual([]);
  expect(Object.keys(Object.prototype)).toEqual([]);
}

/**
 * A counterexample as a report can show it: long strings and arrays cut with their length, deep nesting
 * cut with its depth; lone surrogates and control characters escaped (JSON.stringify does both).
 */
export function summarize(v: unknown, depth = 0): string {
  if (depth > 6) return '…(nested deeper)';
  if (typeof v === 'string') {
    return v.length > 120 ? `${JSON.stringify(v.slice(0, 60))}…(${v.length} chars)` : JSON.stringify(v);
  }
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) {
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (Array.isArray(v)) {
    const items = v.slice(0, 8).map((x) => summarize(x, depth + 1));
    return `[${items.join(', ')}${v.length > 8 ? `, …(${v.length} items)` : ''}]`;
  }
  if (v instanceof Date || v instanceof Map || v instanceof Set || ArrayBuffer.isView(v)) {
    return `${v.constructor.name}(${preview(v instanceof Map || v instanceof Set ? [...v] : v, 80)})`;
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    const fields = keys
      .slice(0, 12)
      .map((k) => `${JSON.stringify(k)}: ${summarize((v as Record<string, unknown>)[k], depth + 1)}`);
    return `{${fields.join(', ')}${keys.length > 12 ? `, …(${keys.length} keys)` : ''}}`;
  }
  return String(v);
}

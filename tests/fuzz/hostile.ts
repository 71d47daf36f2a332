import fc from 'fast-check';
import type { z } from 'zod';

/**
 * Generators of hostile input: values a careless integrator or an attacker sends where a well-formed request
 * belongs. Two flavours: JSON values (what REST bodies and socket.io payloads can carry) and structured-clone
 * values (what Electron IPC can carry: also NaN, BigInt, Date, Map, typed arrays).
 */

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

/** Text with a half of a surrogate pair somewhere in it: not valid UTF-16, not encodable as UTF-8. */
export const brokenUtf16 = fc
  .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...LONE_SURROGATES), fc.string({ maxLength: 6 }))
  .map(([a, s, b]) => a + s + b);

/** Strings from well past every field's limit to past the REST body limit (256 kB). */
export const hugeString = fc
  .tuple(
    fc.constantFrom('a', '工', '\uD83D\uDE00', '\uD800', '%', '\u0000'),
    fc.constantFrom(301, 20_001, 70_000, 300_000),
  )
  .map(([unit, n]) => unit.repeat(n));

const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\t\n',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "'; DROP TABLE tickets; --",
  '" OR 1=1 --',
  '%',
  '%E0%A4%A',
  '%00',
  '%ZZ',
  '../../../../etc/passwd',
  '\u202Eevil\u202C',
  '𠜎𠜱𠝹',
  '售后服务',
  '<script>alert(1)</script>',
  '${7*7}',
  'me',
  'unassigned',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'Bearer ',
  '1e309',
  '-0',
);

const nastyNumbers = fc.constantFrom(
  0,
  -0,
  -1,
  0.5,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
  -(2 ** 31) - 1,
  1e308,
  -1e308,
  Number.MIN_VALUE,
);

/**
 * A value nested up to 2000 levels deep (arrays or objects): about as deep as JSON.stringify and structured
 * clone can carry (both overflow the stack near 4000). Raw request bodies go much deeper (rest.test.ts).
 */
export const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 2000 }), fc.boolean())
  .map(([depth, asObjects]) => {
    let v: unknown = 'bottom';
    for (let i = 0; i < depth; i++) v = asObjects ? { a: v } : [v];
    return v;
  });

/** Arrays long enough to make any per-item work (validation, error messages) expensive. */
export const hugeArray = fc
  .tuple(fc.constantFrom(1001, 20_000, 100_000), fc.constantFrom<unknown>(0, 'x', null, {}, 'open'))
  .map(([n, item]) => Array.from({ length: n }, () => item));

/**
 * Objects carrying the keys that pollute prototypes when merged naively, as JSON.parse makes them (own
 * properties named __proto__, not a changed prototype).
 */
export const pollutingObject = fc
  .constantFrom(
    '{"__proto__":{"polluted":true,"isAdmin":true,"role":"admin"}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"__proto__":{"__proto__":{"polluted":true}},"id":"x"}',
    '{"prototype":{"polluted":true},"toString":"x","valueOf":1,"hasOwnProperty":null}',
  )
  .map((json) => JSON.parse(json) as unknown);

const atomJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false),
  nastyNumbers,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  nastyStrings,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  brokenUtf16,
  fc.uuid(),
);

const bigJson: fc.Arbitrary<unknown> = fc.oneof(hugeString, deepNesting, hugeArray, pollutingObject);

/** Any hostile value that survives JSON: small atoms mostly, sometimes something huge, deep or polluting. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: atomJson, weight: 6 },
    { arbitrary: bigJson, weight: 2 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 1 },
    {
      arbitrary: fc
        .array(fc.tuple(fc.oneof(nastyStrings, fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 })
        .map((entries) => Object.fromEntries(entries) as unknown),
      weight: 1,
    },
  ),
})).value;

const cloneOnly: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.constant(new Map([['id', 'x']])),
  fc.constant(new Set([1, 2])),
  fc.constant(new Uint8Array([0xff, 0xfe, 0x00])),
  fc.constant([, , 1]), // eslint-disable-line no-sparse-arrays -- holes are part of the test
);

/** What Electron's structured clone can carry on top of JSON. */
export const hostileClone: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileJson, weight: 4 },
  { arbitrary: cloneOnly, weight: 1 },
);

type Path = (string | number)[];

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (at.length > 6) return out;
  if (Array.isArray(v)) v.slice(0, 3).forEach((item, i) => pathsOf(item, [...at, i], out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, item] of Object.entries(v)) pathsOf(item, [...at, k], out);
  }
  return out;
}

type Op = 'replace' | 'delete' | 'wrap' | 'stringify' | 'pollute';

/** `template` with one spot broken: a field replaced by a hostile value, removed, wrapped in an array... */
function breakAt(template: unknown, pick: number, op: Op, value: unknown): unknown {
  const copy = structuredClone(template);
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) {
    if (op === 'wrap') return [copy];
    if (op === 'stringify') return JSON.stringify(copy);
    if (op === 'pollute' && copy !== null && typeof copy === 'object') {
      return Object.assign(Object.fromEntries([['__proto__', value]]), copy, { constructor: value });
    }
    return value;
  }
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (op === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
  } else if (op === 'wrap') parent[key] = [parent[key]];
  else if (op === 'stringify') parent[key] = JSON.stringify(parent[key]) ?? 'undefined';
  else if (op === 'pollute') Object.defineProperty(parent, '__proto__', { value, enumerable: true });
  else parent[key] = value;
  return copy;
}

/**
 * Inputs shaped like `template` with one part broken, that `schema` (the one the receiver validates with)
 * refuses once `wire` carried them: malformed by construction, so no valid request slips in and changes data.
 */
export function malformed(
  template: unknown,
  schema: z.ZodType,
  opts: { values?: fc.Arbitrary<unknown>; wire?: (v: unknown) => unknown } = {},
): fc.Arbitrary<unknown> {
  const values = opts.values ?? hostileJson;
  const wire = opts.wire ?? jsonWire;
  return fc
    .oneof(
      { arbitrary: fc.tuple(fc.nat(), fc.constant<Op>('replace'), values), weight: 6 },
      {
        arbitrary: fc.tuple(fc.nat(), fc.constantFrom<Op>('delete', 'wrap', 'stringify', 'pollute'), values),
        weight: 3,
      },
    )
    .map(([pick, op, value]) => breakAt(template, pick, op, value))
    .filter((v) => {
      let carried: unknown;
      try {
        carried = wire(v);
      } catch {
        return false; // The client cannot even send it (BigInt in JSON): nothing reaches the receiver.
      }
      return !schema.safeParse(carried ?? {}).success;
    });
}

/** What a JSON transport delivers of `v`. */
export const jsonWire = (v: unknown): unknown => {
  const s = JSON.stringify(v);
  return s === undefined ? undefined : (JSON.parse(s) as unknown);
};

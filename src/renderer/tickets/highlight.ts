/**
 * Where the words of a search occur in a ticket's text, to mark them in the list. It follows what the index
 * matches (src/shared/search/segment.ts): a run of Chinese characters anywhere as it was typed (the index holds
 * overlapping bigrams, so any substring matches); other words at the start of a word, the last one as a prefix
 * (search as you type), the others whole. Case and width do not matter (NFKC, lower case), as in the index.
 */

export type Range = readonly [start: number, end: number];

const TERM = /\p{Script=Han}+|[\p{L}\p{N}]+/gu;
const HAN = /^\p{Script=Han}/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;

interface Term {
  text: string;
  han: boolean;
  prefix: boolean;
}

function terms(query: string): Term[] {
  const found = [...query.normalize('NFKC').toLowerCase().matchAll(TERM)].map((m) => m[0]);
  return found.map((text, i) => ({ text, han: HAN.test(text), prefix: i === found.length - 1 }));
}

/** The text folded as the index folds it, with where each folded character came from. */
function fold(text: string): { folded: string; from: number[]; to: number[] } {
  let folded = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const f = ch.normalize('NFKC').toLowerCase();
    for (let k = 0; k < f.length; k++) {
      from.push(i);
      to.push(i + ch.length);
    }
    folded += f;
    i += ch.length;
  }
  return { folded, from, to };
}

/** The ranges of `text` (UTF-16 offsets, sorted, not overlapping) that the search `query` matched. */
export function matchRanges(text: string, query: string): Range[] {
  const ts = terms(query);
  if (ts.length === 0 || !text) return [];
  const { folded, from, to } = fold(text);
  const hits: [number, number][] = [];
  for (const term of ts) {
    for (let at = folded.indexOf(term.text); at >= 0; at = folded.indexOf(term.text, at + 1)) {
      const end = at + term.text.length;
      if (!term.han) {
        if (at > 0 && WORD_CHAR.test(folded[at - 1]!)) continue;
        if (!term.prefix && end < folded.length && WORD_CHAR.test(folded[end]!)) continue;
      }
      hits.push([from[at]!, to[end - 1]!]);
    }
  }
  hits.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const h of hits) {
    const last = merged.at(-1);
    if (last && h[0] <= last[1]) last[1] = Math.max(last[1], h[1]);
    else merged.push([h[0], h[1]]);
  }
  return merged;
}

/**
 * A short piece of `text` around its first match, with the matches in it, for a line under the subject; null
 * when the text does not match. Line breaks become spaces.
 */
export function snippet(
  text: string,
  query: string,
  before = 24,
  length = 120,
): { text: string; ranges: Range[] } | null {
  const flat = text.replace(/\s+/g, ' ');
  const ranges = matchRanges(flat, query);
  if (ranges.length === 0) return null;
  let start = Math.max(0, ranges[0]![0] - before);
  // Not in the middle of a surrogate pair.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(flat[start]!)) start--;
  const end = Math.min(flat.length, start + length);
  const lead = start > 0 ? '…' : '';
  const shown = `${lead}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
  const shift = lead.length - start;
  return {
    text: shown,
    ranges: ranges.filter(([a]) => a < end).map(([a, b]) => [a + shift, Math.min(b, end) + shift] as const),
  };
}

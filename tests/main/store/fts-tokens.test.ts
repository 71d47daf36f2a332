import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexTokens } from '../../../src/main/store/fts';
import { TOPICS, NOTES, REPLIES } from '../../../src/server/demo/content';
import { segmentForIndex } from '../../../src/shared/search/segment';

/**
 * The search index is built with indexTokens (one pass, for speed) and queried with ftsQuery, which splits as
 * segmentForIndex does: any text the two tokenise differently is text an agent could not find.
 */
const demoTexts = [
  ...Object.values(TOPICS).flatMap((topics) =>
    topics.flatMap((t) => [t.zh.subject, t.zh.description, t.en.subject, t.en.description]),
  ),
  ...NOTES,
  ...Object.values(REPLIES).flat(),
];

// Every kind of character the fast path must tell apart, and some it must hand back to segmentForIndex.
const pieces = [
  'refund',
  'Order 12345',
  'ABC',
  'x',
  '0',
  ' ',
  '  ',
  '\n',
  '\t',
  '-',
  '_',
  '.',
  ',',
  '!',
  '@',
  '#',
  '"',
  "'",
  '退款',
  '未到账',
  '中',
  '〇',
  '々',
  '㐀',
  '𠀀',
  '𪜀',
  '，',
  '。',
  '、',
  '！',
  '？',
  '：',
  '（',
  '）',
  '「',
  '」',
  '\u3000',
  'ｆｕｌｌ',
  'ＡＢＣ',
  '１２３',
  'é',
  'Ünïcode',
  'İ',
  'ß',
  'Ω',
  'K',
  'ﬁ',
  '①',
  '½',
  '™',
  '😀',
  '\u0301',
  '\u200b',
  '\ud800',
  '\udc00',
  'あいう',
  'カタカナ',
  '한국어',
  'ไทย',
  'עברית',
  '٣',
  '—',
  '…',
  '\u00a0',
  '\u2028',
];

describe('the search index tokens', () => {
  it('are what segmentForIndex makes of the demo texts', () => {
    expect(demoTexts.length).toBeGreaterThan(20);
    for (const text of demoTexts) expect(indexTokens(text)).toBe(segmentForIndex(text));
  });

  it('are what segmentForIndex makes of any mix of scripts, punctuation and spaces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(indexTokens(text)).toBe(segmentForIndex(text));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        expect(indexTokens(text)).toBe(segmentForIndex(text));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        expect(indexTokens(text)).toBe(segmentForIndex(text));
      }),
      { numRuns: 2000 },
    );
  });
});

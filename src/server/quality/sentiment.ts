import Sentiment from 'sentiment';

/**
 * The customer's sentiment in one text, with the words that made it negative (their spans, for the reviewer).
 * - English: AFINN-165 through the `sentiment` package (the one src/server/voc uses), which flips a word after
 *   a negator ("not happy").
 * - Chinese: no maintained Chinese sentiment library is in this project's dependencies (nor, as the VOC
 *   README notes, a good one on npm), and a local model needs a download this project cannot make. So a small
 *   lexicon here, weighted like AFINN (-1 … -4, +1 … +3), matched longest first over the text (no segmentation
 *   is needed to find a listed word; "不满" and "不错" are words of their own, not 不 + 满), with negation: a
 *   negator (不, 没, 没有, 并不, 不太, 别, 无) right before a word flips its sign ("不满意" -> negative,
 *   "不生气" -> not). A department adds its own negative words (the rule's phrases, weight -3, both languages).
 */
const ZH_LEXICON: Record<string, number> = {
  // negative
  垃圾: -4,
  骗子: -4,
  气死: -4,
  恶心: -4,
  忍无可忍: -4,
  太差: -3,
  差劲: -3,
  糟糕: -3,
  失望: -3,
  愤怒: -3,
  生气: -3,
  投诉: -3,
  不满: -3,
  离谱: -3,
  坑人: -3,
  欺骗: -3,
  无语: -2,
  烦死: -3,
  受够: -3,
  崩溃: -3,
  太慢: -2,
  很慢: -2,
  麻烦: -1,
  着急: -2,
  不爽: -2,
  郁闷: -2,
  难用: -2,
  退钱: -2,
  差评: -3,
  一直没: -2,
  还没: -1,
  // positive
  满意: 2,
  谢谢: 2,
  感谢: 2,
  不错: 2,
  很好: 2,
  太好了: 3,
  好评: 3,
  解决了: 2,
  棒: 2,
  放心: 1,
  开心: 2,
};
const ZH_NEGATORS = ['并不', '不太', '没有', '不', '没', '别', '无'];

export interface SentimentHit {
  score: number;
  /** The words that counted negative, with their first span in the text. */
  negative: { start: number; end: number; text: string }[];
}

const afinn = new Sentiment();
const HAN = /\p{Script=Han}/gu;
const LATIN = /\p{Script=Latin}/gu;

export function isChinese(text: string): boolean {
  const han = text.match(HAN)?.length ?? 0;
  const latin = text.match(LATIN)?.length ?? 0;
  return han > 0 && han >= latin / 3;
}

function zhSentiment(text: string, extraNegative: readonly string[]): SentimentHit {
  const lexicon: [string, number][] = Object.entries(ZH_LEXICON);
  for (const w of extraNegative) if (/\p{Script=Han}/u.test(w)) lexicon.push([w, -3]);
  lexicon.sort((a, b) => b[0].length - a[0].length);
  let score = 0;
  const negative: SentimentHit['negative'] = [];
  let i = 0;
  let consumed = 0;
  while (i < text.length) {
    const hit = lexicon.find(([w]) => text.startsWith(w, i));
    if (!hit) {
      i++;
      continue;
    }
    const [word, weight] = hit;
    // A negator right before the word (and not part of an earlier matched word) flips it.
    const before = text.slice(Math.max(consumed, i - 2), i);
    const negated = ZH_NEGATORS.some((n) => before.endsWith(n));
    const s = negated ? -weight : weight;
    score += s;
    if (s < 0) {
      const start = negated ? i - (ZH_NEGATORS.find((n) => before.endsWith(n))?.length ?? 0) : i;
      negative.push({ start, end: i + word.length, text: text.slice(start, i + word.length) });
    }
    i += word.length;
    consumed = i;
  }
  return { score, negative };
}

function enSentiment(text: string, extraNegative: readonly string[]): SentimentHit {
  const extras: Record<string, number> = {};
  for (const w of extraNegative) if (!/\p{Script=Han}/u.test(w)) extras[w.toLowerCase()] = -3;
  const r = afinn.analyze(text, { extras });
  const negative: SentimentHit['negative'] = [];
  const lower = text.toLowerCase();
  for (const w of new Set(r.negative)) {
    const m = new RegExp(
      `(?<![\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
      'u',
    ).exec(lower);
    if (m)
      negative.push({
        start: m.index,
        end: m.index + w.length,
        text: text.slice(m.index, m.index + w.length),
      });
  }
  negative.sort((a, b) => a.start - b.start);
  return { score: r.score, negative };
}

export function sentimentOf(text: string, extraNegative: readonly string[] = []): SentimentHit {
  return isChinese(text) ? zhSentiment(text, extraNegative) : enSentiment(text, extraNegative);
}

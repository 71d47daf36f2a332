import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { stemmer } from 'stemmer';

/**
 * The knowledge base's one tokenizer, for indexing and for queries alike (so both sides split text the same):
 * Chinese segmented by jieba in its search mode (long words also give their parts: 增值税 -> 增值|增值税), Latin
 * words lower-cased and Porter-stemmed (refunds, refunded -> refund), digits kept; punctuation, spaces and a few
 * words that carry no meaning dropped. Mixed text ("App 登录失败 refunds") gives both kinds of terms.
 */
let jieba: Jieba | undefined;
function segmenter(): Jieba {
  // Loading the dictionary takes ~0.3 s: only when the first article or query needs it.
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

const LATIN = /^[\p{Script=Latin}\d][\p{Script=Latin}\d'’.-]*$/u;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;

const EN_STOP = new Set(
  (
    'a an and are as at be but by do does for from has have how i if in into is it its my no not of on or our ' +
    'so than that the their then there these this to was we what when where which who why will with you your ' +
    's t me am been were did can please thank thanks'
  ).split(' '),
);
const ZH_STOP = new Set(
  (
    '的 了 和 与 及 或 是 在 吗 呢 吧 啊 把 被 请 我 你 您 已经 一直 还是 这个 那个 什么 怎么 如何 为什么 一下 ' +
    '是否 能否 请问 谢谢 您好 你好'
  ).split(' '),
);
/** Latin words joined by hyphens ("Wi-Fi", "top-up"): also indexed as one word, so "wifi" finds "Wi-Fi". */
const HYPHENATED = /[\p{Script=Latin}\d]+(?:-[\p{Script=Latin}\d]+)+/gu;

/** One raw token as an index term, or null when it carries no meaning. */
function term(raw: string): string | null {
  const t = raw.trim().toLowerCase();
  if (!t || !HAS_WORD_CHAR.test(t)) return null;
  if (LATIN.test(t)) {
    const word = t.replace(/['’.-]+$/u, '');
    if (EN_STOP.has(word)) return null;
    return /^[a-z]+$/.test(word) ? stemmer(word) : word;
  }
  return ZH_STOP.has(t) ? null : t;
}

export function tokenize(text: string): string[] {
  const out: string[] = [];
  // NFKC: full-width Latin letters and digits (ＡＰＰ, １２３) become their usual forms.
  for (const raw of segmenter().cutForSearch(text.normalize('NFKC'), false)) {
    // jieba keeps "wi-fi" or "e-mail" apart at the hyphen already; a token like "5g" stays whole.
    const t = term(raw);
    if (t !== null) out.push(t);
  }
  for (const m of text.normalize('NFKC').matchAll(HYPHENATED)) {
    const t = term(m[0].replaceAll('-', ''));
    if (t !== null) out.push(t);
  }
  return out;
}

const SPACE_ONLY = /^\s+$/u;

/**
 * Voice of the customer (issue 14, src/server/voc): the same terms as tokenize(), in text order, from jieba's
 * precise mode (one segmentation, no overlapping parts, so neighbours are real neighbours), split into runs
 * wherever punctuation or a stop word stood: adjacent terms of one run form the phrases the VOC report counts.
 */
export function termRuns(text: string): string[][] {
  const runs: string[][] = [];
  let run: string[] = [];
  for (const raw of segmenter().cut(text.normalize('NFKC'), false)) {
    if (SPACE_ONLY.test(raw)) continue;
    const t = term(raw);
    if (t !== null) run.push(t);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

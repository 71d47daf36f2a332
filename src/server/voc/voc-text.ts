import Sentiment from 'sentiment';
import { termRuns } from '../kb/tokenize';

/**
 * What one contact says, as the VOC report counts it: the set of terms (words) and phrases (two adjacent words
 * of one run, joined by a space) in its text, whether it is written mainly in Chinese, and its sentiment where
 * that can be measured. Words come from the knowledge base's tokenizer (jieba for Chinese, Porter stems for
 * English, its stop words), with a few more stop words here: words common in any complaint that say nothing
 * of its topic.
 */
const EXTRA_STOP = new Set(
  (
    'after before again also just any all can could would should get got still very too one some up out over ' +
    'only more other same since about back now need want know dont don im ive cant isnt wont didnt doesnt ' +
    'hello hi dear regard best sir madam ok okay yes' +
    ' 一个 没有 可以 我们 他们 就 也 都 还 又 很 上 下 中 个 说 要 会 能 到 着 过 给 让 这 那 就是 因为 所以 ' +
    '但是 然后 现在 有 没 不 人 他 她 它 自己 一些 这样 那样 非常 需要 想 麻烦'
  )
    .split(/\s+/)
    .filter(Boolean),
);

/** Words and phrases of one contact at most: a very long mail thread says no more topics than its gist. */
const MAX_TERMS = 400;
/** A term is at most this long (a pasted serial number or URL is not a topic). */
const MAX_TERM_CHARS = 40;

const HAN = /\p{Script=Han}/gu;
const SINGLE_HAN = /^\p{Script=Han}$/u;
const LATIN = /\p{Script=Latin}/gu;

export interface ContactText {
  /** Words and phrases, each once. */
  terms: string[];
  /** Written mainly in Chinese (more Han characters than Latin letters / 3, a Han character being a word). */
  zh: boolean;
  /** -1, 0 or 1 (AFINN-165, English only); null when not measured. */
  sentiment: -1 | 0 | 1 | null;
}

const afinn = new Sentiment();

export function analyseContact(parts: readonly (string | null | undefined)[]): ContactText {
  const terms = new Set<string>();
  let han = 0;
  let latin = 0;
  const texts = parts.filter((p): p is string => !!p && p.trim().length > 0);
  for (const text of texts) {
    han += text.match(HAN)?.length ?? 0;
    latin += text.match(LATIN)?.length ?? 0;
    for (const run of termRuns(text)) {
      let prev: string | null = null;
      for (const t of run) {
        // A single Han character (打, 后, 网) is mostly grammar, rarely a topic; digits are order numbers.
        if (EXTRA_STOP.has(t) || t.length > MAX_TERM_CHARS || /^\d+$/.test(t) || SINGLE_HAN.test(t)) {
          prev = null;
          continue;
        }
        if (terms.size < MAX_TERMS) terms.add(t);
        if (prev !== null && terms.size < MAX_TERMS) terms.add(`${prev} ${t}`);
        prev = t;
      }
    }
  }
  const zh = han > 0 && han >= latin / 3;
  let sentiment: ContactText['sentiment'] = null;
  if (!zh && latin > 0) {
    const score = afinn.analyze(texts.join('\n')).score;
    sentiment = score > 0 ? 1 : score < 0 ? -1 : 0;
  }
  return { terms: [...terms], zh, sentiment };
}

/** UTC days since 1970-01-01 of an ISO instant. */
export const dayOf = (iso: string): number => Math.floor(Date.parse(iso) / 86_400_000);
/** The week of a day number: weeks run Monday to Sunday (day 4, 1970-01-05, was a Monday). */
export const weekOf = (day: number): number => Math.floor((day + 3) / 7);
/** The first day (a Monday) of a week. */
export const weekStart = (week: number): number => week * 7 - 3;
/** A day number as YYYY-MM-DD. */
export const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
/** YYYY-MM-DD as a day number. */
export const dayNumber = (text: string): number => Math.floor(Date.parse(`${text}T00:00:00Z`) / 86_400_000);

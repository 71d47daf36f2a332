import type { AnswerDraft, Citation } from '../../shared/answers';
import type { KbArticle, KbLanguage } from '../../shared/kb';
import { tokenize } from '../kb/tokenize';
import { grams } from './ngram';

/** An article a draft may quote, as retrieval ranked it. */
export interface DraftArticle {
  article: Pick<KbArticle, 'id' | 'title' | 'body' | 'language'>;
  score: number;
}

const WORDS = {
  'zh-CN': {
    greeting: '您好！感谢您的耐心等待，关于您的问题，可以这样处理：',
    more: '另外：',
    closing: '如果按以上步骤仍未解决，请直接回复我们，我们会继续为您跟进。祝您生活愉快！',
  },
  en: {
    greeting: 'Hello, and thank you for getting in touch. Here is what to do:',
    more: 'Also:',
    closing:
      'If this does not solve it, just reply to this message and we will take it from there. Kind regards',
  },
} as const;

const STEP = /^\s*(\d+[.、)]|[-•])\s*/u;
/** A second article is quoted only when it scored at least this share of the best one. */
const SECOND_SHARE = 0.6;
/** ... and only its passage that shares a fair part of the question's words (relevance() below). */
const SECOND_RELEVANCE = 0.35;
const MAX_STEPS = 6;

/** An article body's passages: each numbered step or bullet whole, other paragraphs cut into sentences. */
export function passages(body: string): { text: string; step: boolean }[] {
  const out: { text: string; step: boolean }[] = [];
  for (const line of body.split(/\n+/)) {
    const l = line.trim();
    if (!l) continue;
    if (STEP.test(l)) {
      out.push({ text: l, step: true });
      continue;
    }
    for (const s of l.match(/[^。！？!?]+[。！？!?]?|[^.]+(?:\.(?=\s|$))?/gu) ?? [l]) {
      // English sentences end at ". " (not inside "1.5" or "e.g."); Chinese at 。！？.
      for (const part of s.split(/(?<=[a-z0-9)]\.)\s+(?=[A-Z])/u))
        if (part.trim()) out.push({ text: part.trim(), step: false });
    }
  }
  return out;
}

/** How well a passage matches the question: shared index terms (weighted by length) plus n-gram overlap. */
function relevance(question: string, text: string): number {
  const q = new Set(tokenize(question));
  if (q.size === 0) return 0;
  const terms = new Set(tokenize(text));
  let shared = 0;
  for (const t of q) if (terms.has(t)) shared += Math.min(3, t.length) / 3;
  const qg = grams(question);
  const pg = grams(text);
  let overlap = 0;
  let total = 0;
  for (const [g, c] of qg) {
    total += c;
    if (pg.has(g)) overlap += c;
  }
  return shared / q.size + (total ? overlap / total : 0) * 0.5;
}

/** The passages of an article that answer the question, in the article's order: its steps, or its best sentences. */
export function answerPassages(question: string, body: string, max = 3): string[] {
  const ps = passages(body);
  const steps = ps.filter((p) => p.step);
  if (steps.length >= 2) {
    // Steps are the answer: all of them (up to MAX_STEPS), after the best sentence that is not a step.
    const lead = ps
      .filter((p) => !p.step)
      .map((p, i) => ({ p, i, r: relevance(question, p.text) }))
      .sort((a, b) => b.r - a.r || a.i - b.i)[0];
    return [...(lead ? [lead.p.text] : []), ...steps.slice(0, MAX_STEPS).map((s) => s.text)];
  }
  return ps
    .map((p, i) => ({ p, i, r: relevance(question, p.text) }))
    .sort((a, b) => b.r - a.r || a.i - b.i)
    .slice(0, max)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.p.text);
}

/** A short plain-text snippet: the passages that match the question best, up to ~200 characters. */
export function snippetOf(question: string, body: string): string {
  const joined = answerPassages(question, body, 2).join(' ');
  return joined.length > 200 ? `${joined.slice(0, 199)}…` : joined;
}

/**
 * The local, extractive draft: a greeting in the contact's language, the passages of the best article (and of
 * the second when it scored close) that answer the question, each cited by its source number [n], and a
 * closing. Sources are numbered in the order given (the suggestions' order); null without any article. Similar
 * solved tickets are sources the agent opens, not text to quote to another customer: the draft quotes articles.
 */
export function buildDraft(
  question: string,
  language: KbLanguage,
  articles: readonly DraftArticle[],
): AnswerDraft | null {
  const best = articles[0];
  if (!best) return null;
  const w = WORDS[language];
  const citations: Citation[] = [];
  const parts: string[] = [w.greeting, ''];
  const cite = (a: DraftArticle['article']): number => {
    const n = citations.length + 1;
    citations.push({ n, kind: 'article', id: a.id, title: a.title });
    return n;
  };
  const n1 = cite(best.article);
  const first = answerPassages(question, best.article.body);
  first.forEach((p, i) => parts.push(i === first.length - 1 ? `${p} [${n1}]` : p));
  const second = articles[1];
  if (second && second.score >= best.score * SECOND_SHARE) {
    const extra = answerPassages(question, second.article.body, 1).find((p) => !STEP.test(p));
    if (extra && relevance(question, extra) >= SECOND_RELEVANCE) {
      const n2 = cite(second.article);
      parts.push('', `${w.more}${language === 'en' ? ' ' : ''}${extra} [${n2}]`);
    }
  }
  parts.push('', w.closing);
  return { text: parts.join('\n'), language, citations };
}

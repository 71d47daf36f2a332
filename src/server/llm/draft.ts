import type { LlmMark } from '../../shared/answers';
import type { KbLanguage } from '../../shared/kb';
import { chatCompletion, LlmFailure } from './client';
import type { LlmConfig } from './config';

/** A numbered source the LLM is given: an article's body or a solved ticket's subject and reply. */
export interface LlmSource {
  n: number;
  kind: 'article' | 'ticket';
  id: string;
  title: string;
  text: string;
}

export type LlmDraftResult =
  | { mark: 'used'; text: string; cited: number[] }
  | { mark: Exclude<LlmMark, 'used' | 'off'>; reason: string };

/** Each source's text is cut here: the prompt stays small enough for a local model's context. */
const SOURCE_CHARS = 1500;
const CITE = /\[(\d{1,2})\]/g;
const HAN = /\p{Script=Han}/u;

function prompt(question: string, language: KbLanguage, sources: readonly LlmSource[]) {
  const lang = language === 'zh-CN' ? 'Simplified Chinese' : 'English';
  const system =
    `You help a customer-service agent answer a customer. Write the reply in ${lang}: a short greeting, the ` +
    'answer, a short closing. Use ONLY the numbered sources given; do not add facts, prices, dates or promises ' +
    'they do not contain. After each sentence taken from a source, cite it as [n] with its number. If the ' +
    'sources do not answer the question, say that a colleague will follow up. Reply with the message text only.';
  const listed = sources
    .map((s) => `[${s.n}] (${s.kind}) ${s.title}\n${s.text.slice(0, SOURCE_CHARS)}`)
    .join('\n\n');
  return [
    { role: 'system' as const, content: system },
    { role: 'user' as const, content: `Sources:\n\n${listed}\n\nCustomer's message:\n${question}` },
  ];
}

/**
 * The LLM stage of a suggested answer: given only the retrieved sources and the contact's text, the configured
 * model drafts the reply citing the sources by number. Never throws: a time-out, an HTTP error, an empty or
 * malformed answer, an answer in the wrong language, one citing nothing or citing a source it was not given
 * all come back as a mark, and the caller keeps its local draft.
 */
export async function llmDraft(
  c: LlmConfig,
  input: { question: string; language: KbLanguage; sources: readonly LlmSource[] },
): Promise<LlmDraftResult> {
  if (input.sources.length === 0) return { mark: 'failed', reason: 'no sources to draft from' };
  let text: string;
  try {
    text = await chatCompletion(c, prompt(input.question, input.language, input.sources));
  } catch (e) {
    if (e instanceof LlmFailure) return { mark: e.kind, reason: e.message };
    return { mark: 'failed', reason: String(e) };
  }
  const given = new Set(input.sources.map((s) => s.n));
  const cited = [...new Set([...text.matchAll(CITE)].map((m) => Number(m[1])))];
  if (cited.length === 0) return { mark: 'failed', reason: 'the draft cites no source' };
  const unknown = cited.filter((n) => !given.has(n));
  if (unknown.length)
    return { mark: 'failed', reason: `the draft cites sources it was not given: ${unknown.join(', ')}` };
  if ((input.language === 'zh-CN') !== HAN.test(text))
    return { mark: 'failed', reason: 'the draft is not in the contact’s language' };
  return { mark: 'used', text, cited: cited.sort((a, b) => a - b) };
}

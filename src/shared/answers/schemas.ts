import { z } from 'zod';
import { Id } from '../domain/ids';
import { TicketPriority } from '../domain/ticket';
import { KbLanguage } from '../kb/schemas';
import { TicketCategory, TriageDepartment } from '../triage/taxonomy';

/**
 * Suggested answers (issue 15, part 2): beside a ticket or a chat, the knowledge-base articles and similar solved
 * tickets that best match the contact's words (hybrid retrieval: BM25 and character n-gram cosine, fused), and a
 * drafted reply built from them that cites them by number. The agent edits the draft before sending; nothing is
 * ever sent by itself.
 */

/** How the draft was made: `used` the configured LLM wrote it; otherwise the local extractive draft, and why. */
export const LlmMark = z.enum(['used', 'off', 'timeout', 'failed']);
export type LlmMark = z.infer<typeof LlmMark>;

export const SuggestedArticle = z.object({
  id: Id,
  title: z.string(),
  language: KbLanguage,
  /** The fused score, 0..1 (best possible: first in both rankings). */
  score: z.number().min(0),
  /** The sentences of the article that matched the question, as plain text. */
  snippet: z.string(),
});
export type SuggestedArticle = z.infer<typeof SuggestedArticle>;

export const SuggestedTicket = z.object({
  id: Id,
  number: z.number().int().nullable(),
  subject: z.string(),
  score: z.number().min(0),
});
export type SuggestedTicket = z.infer<typeof SuggestedTicket>;

/** [n] in the draft's text is the source `n` (1-based). */
export const Citation = z.object({
  n: z.number().int().positive(),
  kind: z.enum(['article', 'ticket']),
  id: Id,
  title: z.string(),
});
export type Citation = z.infer<typeof Citation>;

export const AnswerDraft = z.object({
  text: z.string(),
  language: KbLanguage,
  citations: z.array(Citation),
});
export type AnswerDraft = z.infer<typeof AnswerDraft>;

export const AnswerSuggestions = z.object({
  articles: z.array(SuggestedArticle),
  tickets: z.array(SuggestedTicket),
  /** null when no source matched well enough to draft from. */
  draft: AnswerDraft.nullable(),
  llm: LlmMark,
});
export type AnswerSuggestions = z.infer<typeof AnswerSuggestions>;

export const ANSWERS_REST = {
  ticket: (id: string) => `/api/answers/ticket/${id}`,
  chat: (id: string) => `/api/answers/chat/${id}`,
} as const;

/** The optional LLM's check of a triage prediction (src/server/llm/triage-check.ts). */
export const TriageCheck = z.object({
  llm: LlmMark,
  /** agree: the LLM keeps the prediction; disagree: it names another label in `suggestion`. null: no verdict. */
  verdict: z.enum(['agree', 'disagree']).nullable(),
  suggestion: z
    .object({
      department: TriageDepartment.optional(),
      category: TicketCategory.optional(),
      priority: TicketPriority.optional(),
    })
    .nullable(),
});
export type TriageCheck = z.infer<typeof TriageCheck>;

import { SwitchboardError, type User } from '../../shared';
import type { AnswerSuggestions, Citation, LlmMark } from '../../shared/answers';
import { inScope, scopeOf } from '../auth/scope';
import { getSession, messagesAfter } from '../chat/chat-store';
import type { Db } from '../db/schema';
import type { KbService } from '../kb/kb-service';
import type { LlmConfig } from '../llm/config';
import { llmDraft, type LlmSource } from '../llm/draft';
import { getTicket } from '../tickets/ticket-store';
import { rankArticles, type ArticleScope } from './article-retrieval';
import { buildDraft, snippetOf } from './draft';
import { languageOf } from './language';
import { SolvedTicketIndex } from './ticket-retrieval';

/** Articles and tickets listed beside the contact; the draft quotes the first articles. */
const ARTICLES = 5;
const TICKETS = 3;
/** Sources given to the LLM: the best articles and tickets (numbered in the order listed). */
const LLM_ARTICLES = 3;
/** A question is cut here: a long description adds noise, and the prompt stays small. */
const QUERY_CHARS = 600;
/** The chat's latest visitor messages that make its question. */
const CHAT_MESSAGES = 30;
const CHAT_VISITOR_LINES = 3;

export interface AnswersServiceOptions {
  db: Db;
  kb: KbService;
  /** The optional LLM stage (llmConfigFromEnv); null: off. Read at each request, so tests may change it. */
  llm: () => LlmConfig | null;
  log?: (line: string) => void;
}

const notFoundTicket = () =>
  new SwitchboardError('not_found', 'No such ticket in your department (it may have been moved or deleted).');
const notFoundChat = () =>
  new SwitchboardError('not_found', 'No such chat in your department (it may have ended and been removed).');

/**
 * Suggested answers beside a ticket or a chat (issue 15, part 2): the articles the agent may read (their
 * department's and all-department published articles, internal and public) and the solved tickets of their
 * department that match the contact's words, and a draft reply citing them. With an LLM configured, it drafts
 * from the same sources; on any failure the local draft stands and `llm` says why.
 */
export class AnswersService {
  readonly tickets: SolvedTicketIndex;

  constructor(private readonly opts: AnswersServiceOptions) {
    this.tickets = new SolvedTicketIndex(opts.db);
  }

  async forTicket(user: User, ticketId: string): Promise<AnswerSuggestions> {
    const t = await getTicket(this.opts.db, ticketId);
    if (!t || !inScope(scopeOf(user), t.departmentId)) throw notFoundTicket();
    return this.suggest(user, `${t.subject}\n${t.description}`, t.id);
  }

  async forChat(user: User, sessionId: string): Promise<AnswerSuggestions> {
    const s = await getSession(this.opts.db, sessionId);
    if (!s || !inScope(scopeOf(user), s.department_id)) throw notFoundChat();
    const messages = await messagesAfter(this.opts.db, s.id, 0, CHAT_MESSAGES);
    const asked = messages
      .filter((m) => m.sender === 'visitor' && m.text.trim())
      .slice(-CHAT_VISITOR_LINES)
      .map((m) => m.text);
    return this.suggest(user, asked.join('\n'), undefined);
  }

  /** The suggestions for a contact's words, within what `user` may see. */
  async suggest(user: User, text: string, excludeTicket: string | undefined): Promise<AnswerSuggestions> {
    const question = text.slice(0, QUERY_CHARS).trim();
    if (!question) return { articles: [], tickets: [], draft: null, llm: 'off' };
    const language = languageOf(question);
    const departments = user.departmentId === null ? undefined : [user.departmentId];
    const scope: ArticleScope = { audiences: ['public', 'internal'], departments, language };
    const ranked = await rankArticles(this.opts.kb, question, scope, { limit: ARTICLES });
    await this.tickets.fresh();
    const tickets = this.tickets.search(question, { departments, exclude: excludeTicket, limit: TICKETS });
    const articles = ranked.map((r) => ({
      id: r.article.id,
      title: r.article.title,
      language: r.article.language,
      score: Math.round(r.score * 1000) / 1000,
      snippet: snippetOf(question, r.article.body),
    }));
    const suggested = tickets.map((r) => ({
      id: r.ticket.id,
      number: r.ticket.number,
      subject: r.ticket.subject,
      score: Math.round(r.score * 1000) / 1000,
    }));
    const local = buildDraft(question, language, ranked.slice(0, 2));
    const config = this.opts.llm();
    if (!config || ranked.length === 0) return { articles, tickets: suggested, draft: local, llm: 'off' };
    const sources: LlmSource[] = [
      ...ranked.slice(0, LLM_ARTICLES).map((r) => ({
        kind: 'article' as const,
        id: r.article.id,
        title: r.article.title,
        text: r.article.body,
      })),
      ...tickets.map((r) => ({
        kind: 'ticket' as const,
        id: r.ticket.id,
        title: r.ticket.subject,
        text: `${r.ticket.description}\n\nReply that solved it:\n${r.ticket.reply}`,
      })),
    ].map((s, i) => ({ ...s, n: i + 1 }));
    const out = await llmDraft(config, { question, language, sources });
    if (out.mark !== 'used') {
      this.opts.log?.(`suggested answer: LLM stage ${out.mark} (${out.reason}); the local draft is used`);
      return { articles, tickets: suggested, draft: local, llm: out.mark };
    }
    const citations: Citation[] = out.cited.map((n) => {
      const s = sources[n - 1]!;
      return { n, kind: s.kind, id: s.id, title: s.title };
    });
    return {
      articles,
      tickets: suggested,
      draft: { text: out.text, language, citations },
      llm: 'used' satisfies LlmMark,
    };
  }
}

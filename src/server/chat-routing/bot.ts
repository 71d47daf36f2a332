import { SwitchboardError } from '../../shared';
import type { ChatMessage, ChatSessionSummary } from '../../shared/chat';
import type { ChatService } from '../chat/chat-service';
import type { KbService } from '../kb/kb-service';
import { languageOf, rankArticles } from '../answers';

/**
 * The lowest BM25 score (kb-index.ts, minisearch BM25+) the bot answers with, both languages. Measured on the
 * demo articles (102 public, 51 per language): questions customers ask in their own words ("怎么申请退款",
 * "I forgot my password", 16 of them) score 20-138 (median 58 zh, 73 en); questions the knowledge base does not
 * cover ("今天天气怎么样", "recommend a movie", "I want to learn piano", 16 of them) score at most 16.2 (zh) and
 * 24.8 (en); an article's own title scores 80 or more. 30 answers none of the off-topic questions and 11 of the
 * 16 real ones; the 5 below it (20-26) mostly matched a neighbouring article, so handing those to a person is
 * the right failure. Scores grow with the corpus: a site with another knowledge base sets its own.
 */
export const BOT_MIN_SCORE = 30;
/**
 * Or: the character n-gram cosine (src/server/answers/ngram.ts) at which an article answers even when BM25 finds
 * few whole words (misspellings, mixed Chinese and English). Measured on the demo's public articles: 12
 * off-topic questions reach at most 0.27; the questions of data/answers/questions.jsonl have a median of 0.35.
 */
export const BOT_MIN_COSINE = 0.35;

const WORDS = {
  'zh-CN': {
    noAnswer: '抱歉，我没有找到能回答这个问题的文章，正在为您转接人工客服，请稍候。',
    more: '如需人工服务，请回复“转人工”。',
  },
  en: {
    noAnswer:
      'Sorry, I could not find an article that answers this. I am passing you to a person; please wait.',
    more: 'Write "agent" to talk to a person.',
  },
} as const;

/** An article's answer as a chat message: its first paragraphs up to ~800 characters, never cut mid-word. */
export function answerText(body: string, footer: string): string {
  const paragraphs = body.split(/\n{2,}/);
  let out = '';
  for (const p of paragraphs) {
    if (out && out.length + p.length > 800) break;
    out += (out ? '\n\n' : '') + p;
  }
  if (out.length > 1500) out = `${out.slice(0, 1500).replace(/\s+\S*$/, '')}…`;
  return `${out}\n\n${footer}`;
}

/**
 * While a chat is with the bot, each visitor message is searched in the public knowledge base in the language
 * it is written in, by the same hybrid retrieval as the desk's suggested answers (src/server/answers; public
 * articles only, never tickets); the best article at or above a threshold (BM25 or n-gram cosine) is sent with
 * its id and title, else the visitor is told and the chat handed off. Asking for a person is handled
 * by ChatService before the bot sees the message (the chat is no longer in state bot).
 */
export class KbBot {
  constructor(
    private readonly deps: {
      chat: ChatService;
      kb: KbService;
      log: (line: string) => void;
      minScore?: number;
    },
  ) {}

  async answer(message: ChatMessage, s: ChatSessionSummary): Promise<void> {
    if (message.sender !== 'visitor' || s.state !== 'bot') return;
    const { chat, kb } = this.deps;
    const lang = languageOf(message.text);
    let ranked;
    try {
      ranked = await rankArticles(
        kb,
        message.text,
        { audiences: ['public'], language: lang },
        { rateKey: `chat:${s.visitorId}`, limit: 5 },
      );
    } catch (e) {
      // Over the search limit: the visitor's own rate limit stops the flood; this message gets no answer.
      if (e instanceof SwitchboardError && e.code === 'too_many_attempts') return;
      throw e;
    }
    const minScore = this.deps.minScore ?? BOT_MIN_SCORE;
    const best = ranked.find((r) => r.bm25 >= minScore || r.cosine >= BOT_MIN_COSINE)?.article;
    try {
      if (best) {
        await chat.botSend(s.id, {
          text: answerText(best.body, WORDS[best.language].more),
          articleId: best.id,
          articleTitle: best.title,
        });
        return;
      }
      await chat.botSend(s.id, { text: WORDS[lang].noAnswer });
      await chat.botHandoff(s.id);
    } catch (e) {
      // The visitor asked for a person (or ended) meanwhile: the bot has nothing more to say.
      if (e instanceof SwitchboardError && e.code === 'conflict') return;
      throw e;
    }
  }
}

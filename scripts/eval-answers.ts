/**
 * Evaluation of suggested answers (issue 15, part 2): `npm run eval:answers [FILE]`.
 *
 * Reads labelled questions (default data/answers/questions.jsonl; one JSON object a line:
 * {"id","lang":"zh"|"en","split":"dev"|"test","q","articles":[English title of a demo topic, ...]}; the demo's
 * article ids are derived from that title, src/server/demo/kb-seed.ts), builds the demo knowledge base in a
 * scratch SQLite database, and asks the hybrid retrieval (src/server/answers) each question as an agent who sees
 * every department's articles (internal and public) would. A hit is any article of a named topic, in either
 * language. Prints recall@1/@3/@5 and MRR per language and split, p95 latency, and, when SWITCHBOARD_LLM_URL is
 * set, the LLM stage's figures (used / timeout / failed, its p95, citations checked). Ends with one JSON line;
 * exits 1 below the target.
 *
 * Tuning (RRF_K, the n-gram features) was done on the `dev` split only; the `test` split was not looked at
 * question by question.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { rankArticles } from '../src/server/answers/article-retrieval';
import { buildDraft } from '../src/server/answers/draft';
import { languageOf } from '../src/server/answers/language';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase } from '../src/server/db/open';
import { KB_TOPICS } from '../src/server/demo/kb-content';
import { seedDemo } from '../src/server/demo/seed-demo';
import { KbService } from '../src/server/kb/kb-service';
import { llmConfigFromEnv } from '../src/server/llm/config';
import { llmDraft } from '../src/server/llm/draft';

const TARGETS = { recallAt3: 0.85 };

const Question = z.object({
  id: z.string(),
  lang: z.enum(['zh', 'en']),
  split: z.enum(['dev', 'test']).default('test'),
  q: z.string().min(1),
  articles: z.array(z.string()).min(1),
});
type Question = z.infer<typeof Question>;

const file = process.argv[2] ?? 'data/answers/questions.jsonl';
const keys = new Set(KB_TOPICS.map((t) => t.en[0]));
const questions: Question[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l, i) => {
    const q = Question.parse(JSON.parse(l));
    for (const k of q.articles)
      if (!keys.has(k)) throw new Error(`${file}:${i + 1}: no demo topic titled "${k}" (kb-content.ts)`);
    return q;
  });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'eval-answers-'));
const db = openDatabase(join(dir, 'kb.sqlite'));
try {
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 50, customers: 20 });
  const kb = new KbService({ db, now: () => new Date() });
  await kb.index.fresh();
  // Article id -> its topic's key (the English title), whichever language the article is in.
  const topicOf = new Map<string, string>();
  for (const a of kb.index.all()) {
    const topic = KB_TOPICS.find((t) => t.zh[0] === a.title || t.en[0] === a.title);
    if (topic) topicOf.set(a.id, topic.en[0]);
  }
  // Warm up (jieba's dictionary, the n-gram vectors) so the first question's latency is not the load time.
  await rankArticles(kb, 'warm up 预热', { audiences: ['public', 'internal'] });

  type Row = { q: Question; rank: number; ms: number; cited: boolean };
  const rows: Row[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const language = languageOf(q.q);
    const ranked = await rankArticles(kb, q.q, { audiences: ['public', 'internal'], language }, { limit: 5 });
    const draft = buildDraft(q.q, language, ranked.slice(0, 3));
    const ms = performance.now() - t0;
    const topics = ranked.map((r) => topicOf.get(r.article.id));
    const rank = topics.findIndex((t) => t !== undefined && q.articles.includes(t)) + 1;
    const cited = draft !== null && draft.citations.length > 0 && /\[1\]/.test(draft.text);
    rows.push({ q, rank, ms, cited });
  }

  const summary = (rs: Row[]) => ({
    n: rs.length,
    recallAt1: r3(rs.filter((r) => r.rank === 1).length / rs.length),
    recallAt3: r3(rs.filter((r) => r.rank >= 1 && r.rank <= 3).length / rs.length),
    recallAt5: r3(rs.filter((r) => r.rank >= 1 && r.rank <= 5).length / rs.length),
    mrr: r3(rs.reduce((s, r) => s + (r.rank ? 1 / r.rank : 0), 0) / rs.length),
  });
  console.log(`eval:answers: ${questions.length} questions from ${file}`);
  for (const [name, rs] of [
    ['zh', rows.filter((r) => r.q.lang === 'zh')],
    ['en', rows.filter((r) => r.q.lang === 'en')],
    ['dev', rows.filter((r) => r.q.split === 'dev')],
    ['test', rows.filter((r) => r.q.split === 'test')],
    ['all', rows],
  ] as const) {
    if (rs.length === 0) continue;
    const s = summary(rs);
    console.log(
      `  ${name.padEnd(4)} n=${String(s.n).padStart(3)}  R@1 ${s.recallAt1.toFixed(3)}  R@3 ${s.recallAt3.toFixed(3)}  R@5 ${s.recallAt5.toFixed(3)}  MRR ${s.mrr.toFixed(3)}`,
    );
  }
  const misses = rows.filter((r) => r.rank === 0 || r.rank > 3);
  if (misses.length) {
    console.log(`  not in the top 3 (${misses.length}):`);
    for (const r of misses) console.log(`    ${r.q.id} [${r.q.split}] rank ${r.rank || '-'}: ${r.q.q}`);
  }
  const p95Ms = r3(
    pct(
      rows.map((r) => r.ms),
      95,
    ),
  );
  const draftsCited = r3(rows.filter((r) => r.cited).length / rows.length);
  console.log(`  retrieval + draft p95 ${p95Ms} ms; drafts citing their sources ${draftsCited}`);

  const all = summary(rows);
  const metrics: Record<string, number> = {
    recallAt1: all.recallAt1,
    recallAt3: all.recallAt3,
    recallAt5: all.recallAt5,
    mrr: all.mrr,
  };
  // Per language, and on the split retrieval was not tuned on (groups with no question are left out).
  for (const [key, rs] of [
    ['recallAt3Zh', rows.filter((r) => r.q.lang === 'zh')],
    ['recallAt3En', rows.filter((r) => r.q.lang === 'en')],
    ['recallAt3Test', rows.filter((r) => r.q.split === 'test')],
  ] as const)
    if (rs.length) metrics[key] = summary(rs).recallAt3;
  metrics.p95Ms = p95Ms;
  metrics.draftsCited = draftsCited;

  const llm = llmConfigFromEnv(process.env);
  if (llm) {
    // The LLM stage on every question: its own latency, how often it was used, and why not when it was not.
    const marks = { used: 0, timeout: 0, failed: 0 };
    const times: number[] = [];
    for (const q of questions) {
      const language = languageOf(q.q);
      const ranked = await rankArticles(kb, q.q, { audiences: ['public', 'internal'], language });
      const sources = ranked.slice(0, 3).map((r, i) => ({
        n: i + 1,
        kind: 'article' as const,
        id: r.article.id,
        title: r.article.title,
        text: r.article.body,
      }));
      const t0 = performance.now();
      const out = await llmDraft(llm, { question: q.q, language, sources });
      times.push(performance.now() - t0);
      marks[out.mark === 'used' ? 'used' : out.mark === 'timeout' ? 'timeout' : 'failed']++;
    }
    const llmP95 = r3(pct(times, 95));
    console.log(
      `  LLM stage (${llm.model} at ${llm.baseUrl}): used ${marks.used}, timeout ${marks.timeout}, failed ${marks.failed}; p95 ${llmP95} ms`,
    );
    metrics.llmUsedShare = r3(marks.used / questions.length);
    metrics.llmP95Ms = llmP95;
  } else {
    console.log('  LLM stage: not configured (SWITCHBOARD_LLM_URL unset)');
  }

  const pass = metrics.recallAt3! >= TARGETS.recallAt3;
  console.log(JSON.stringify({ bench: 'answers', metrics, targets: TARGETS, pass }));
  process.exitCode = pass ? 0 : 1;
} finally {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}

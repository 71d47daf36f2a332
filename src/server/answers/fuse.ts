/**
 * Reciprocal rank fusion: each ranking gives a document 1 / (k + rank) (rank from 1), summed over the rankings,
 * scaled so that first place in every ranking scores 1. A small k favours the top of each list, which suits a
 * few hundred articles; tuned on the dev part of data/answers/questions.jsonl (scripts/eval-answers.ts).
 */
export const RRF_K = 10;

export function fuse(rankings: readonly (readonly string[])[], k = RRF_K): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings)
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  const best = rankings.length / (k + 1);
  return [...scores]
    .map(([id, s]) => ({ id, score: s / best }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

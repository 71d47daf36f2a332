import type { TriageCheck } from '../../shared/answers';
import { TicketPriority } from '../../shared/domain/ticket';
import {
  CATEGORIES_BY_DEPARTMENT,
  departmentOfCategory,
  TicketCategory,
  TriageDepartment,
} from '../../shared/triage/taxonomy';
import { chatCompletion, LlmFailure } from './client';
import type { LlmConfig } from './config';

export interface TriageCheckInput {
  /** The contact's words (subject and description, or the chat's first messages). */
  text: string;
  prediction: { department: TriageDepartment; category: TicketCategory; priority: TicketPriority };
}

const JSON_OBJECT = /\{[\s\S]*\}/;

function prompt(input: TriageCheckInput) {
  const cats = Object.entries(CATEGORIES_BY_DEPARTMENT)
    .map(([d, cs]) => `${d}: ${cs.join(', ')}`)
    .join('\n');
  return [
    {
      role: 'system' as const,
      content:
        'You check how a customer-service contact was classified. Departments and their categories:\n' +
        `${cats}\nPriorities: urgent, high, normal, low.\n` +
        'Answer with one JSON object only: {"verdict":"agree"} when the classification is right, or ' +
        '{"verdict":"disagree","department":"...","category":"...","priority":"..."} with the labels you would give.',
    },
    {
      role: 'user' as const,
      content:
        `Contact:\n${input.text}\n\nClassification: department ${input.prediction.department}, ` +
        `category ${input.prediction.category}, priority ${input.prediction.priority}`,
    },
  ];
}

/**
 * Asks the optional LLM to check a triage prediction: agree, or suggest other labels (only labels of the
 * taxonomy; a category always with its own department). Never throws and never required: without a
 * configuration the mark is `off`; a time-out, an HTTP error or an answer that is not such a JSON object gives
 * `timeout` / `failed` and no verdict, and the caller keeps its prediction as it was.
 */
export async function checkTriage(c: LlmConfig | null, input: TriageCheckInput): Promise<TriageCheck> {
  const none = (llm: TriageCheck['llm']): TriageCheck => ({ llm, verdict: null, suggestion: null });
  if (!c) return none('off');
  let text: string;
  try {
    text = await chatCompletion(c, prompt(input), { maxTokens: 120 });
  } catch (e) {
    return none(e instanceof LlmFailure ? e.kind : 'failed');
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(JSON_OBJECT.exec(text)?.[0] ?? '') as Record<string, unknown>;
  } catch {
    return none('failed');
  }
  if (raw.verdict === 'agree') return { llm: 'used', verdict: 'agree', suggestion: null };
  if (raw.verdict !== 'disagree') return none('failed');
  const category = TicketCategory.safeParse(raw.category);
  const department = TriageDepartment.safeParse(raw.department);
  const priority = TicketPriority.safeParse(raw.priority);
  if (raw.category !== undefined && !category.success) return none('failed');
  if (raw.department !== undefined && !department.success) return none('failed');
  if (raw.priority !== undefined && !priority.success) return none('failed');
  const dept = category.success ? departmentOfCategory(category.data) : department.data;
  if (category.success && department.success && department.data !== dept) return none('failed');
  const p = input.prediction;
  const suggestion = {
    ...(dept && dept !== p.department ? { department: dept } : {}),
    ...(category.success && category.data !== p.category ? { category: category.data } : {}),
    ...(priority.success && priority.data !== p.priority ? { priority: priority.data } : {}),
  };
  // "disagree" naming nothing different is agreement in other words.
  if (Object.keys(suggestion).length === 0) return { llm: 'used', verdict: 'agree', suggestion: null };
  return { llm: 'used', verdict: 'disagree', suggestion };
}

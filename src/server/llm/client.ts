import { z } from 'zod';
import type { LlmConfig } from './config';

/** Why an LLM call gave nothing usable: over the time limit, or anything else (HTTP error, bad body). */
export class LlmFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The part of an OpenAI-compatible chat completion we read. */
const Completion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** {base}/v1/chat/completions, without doubling a /v1 the base already has. */
export function completionsUrl(c: LlmConfig): string {
  return `${c.baseUrl}${c.baseUrl.endsWith('/v1') ? '' : '/v1'}/chat/completions`;
}

/**
 * One chat completion within the configured time limit (the whole exchange, body included). Resolves with the
 * first choice's text; rejects with LlmFailure. The API key goes in the Authorization header only; no message
 * here ever contains it.
 */
export async function chatCompletion(
  c: LlmConfig,
  messages: readonly LlmMessage[],
  opts: { maxTokens?: number } = {},
): Promise<string> {
  const signal = AbortSignal.timeout(c.timeoutMs);
  let res: Response;
  let body: unknown;
  try {
    res = await fetch(completionsUrl(c), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(c.apiKey ? { authorization: `Bearer ${c.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: c.model,
        messages,
        temperature: 0.2,
        max_tokens: opts.maxTokens ?? 600,
        stream: false,
      }),
      signal,
    });
    if (!res.ok) throw new LlmFailure('failed', `the LLM server answered HTTP ${res.status}`);
    body = await res.json();
  } catch (e) {
    if (e instanceof LlmFailure) throw e;
    if (signal.aborted) throw new LlmFailure('timeout', `no answer within ${c.timeoutMs} ms`);
    throw new LlmFailure(
      'failed',
      `the LLM server could not be used: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const parsed = Completion.safeParse(body);
  const text = parsed.success ? parsed.data.choices[0]!.message.content : null;
  if (!text?.trim()) throw new LlmFailure('failed', 'the LLM server answered without any text');
  return text.trim();
}

/**
 * The optional LLM stage (issue 15): an OpenAI-compatible endpoint (for example a local model server at the
 * customer's site), configured from the environment. Never required: without SWITCHBOARD_LLM_URL there is none.
 *
 * - SWITCHBOARD_LLM_URL: the server's base address; requests go to {base}/v1/chat/completions (a base that
 *   already ends in /v1 is used as it is).
 * - SWITCHBOARD_LLM_MODEL: the model name sent with each request (default "default").
 * - SWITCHBOARD_LLM_API_KEY: sent as a bearer token when set; never logged or returned.
 * - SWITCHBOARD_LLM_TIMEOUT_MS: the time limit of one request, default 4000.
 */
export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

export const LLM_DEFAULT_TIMEOUT_MS = 4000;

export function llmConfigFromEnv(env: Record<string, string | undefined>): LlmConfig | null {
  const base = env.SWITCHBOARD_LLM_URL?.trim();
  if (!base) return null;
  const t = Number(env.SWITCHBOARD_LLM_TIMEOUT_MS);
  return {
    baseUrl: base.replace(/\/+$/, ''),
    model: env.SWITCHBOARD_LLM_MODEL?.trim() || 'default',
    ...(env.SWITCHBOARD_LLM_API_KEY ? { apiKey: env.SWITCHBOARD_LLM_API_KEY } : {}),
    timeoutMs: Number.isFinite(t) && t > 0 ? t : LLM_DEFAULT_TIMEOUT_MS,
  };
}

/** The configuration as it may be logged or shown: the key's presence, never the key. */
export function describeLlm(c: LlmConfig | null): string {
  if (!c) return 'LLM stage off';
  return `LLM stage ${c.model} at ${c.baseUrl} (time limit ${c.timeoutMs} ms${c.apiKey ? ', with API key' : ''})`;
}

import type { ServiceHandlers } from '../../shared/ipc/contract';
import { ANSWERS_REST, AnswerSuggestions } from '../../shared/answers';
import { request } from '../sync/server-api';
import type { SessionManager } from './session';

/**
 * Suggested answers (issue 15): straight to the server with the session's token (retrieval needs its indexes,
 * the LLM stage its configuration), never cached or queued; offline they fail at once with `unavailable`.
 */
export function createAnswersHandlers(
  sessions: SessionManager,
): Pick<ServiceHandlers, 'answers.ticket' | 'answers.chat'> {
  const call = (path: string) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) => request(info.serverUrl, path, undefined, AnswerSuggestions, token));
  };
  return {
    'answers.ticket': async ({ id }) => call(ANSWERS_REST.ticket(id)),
    'answers.chat': async ({ id }) => call(ANSWERS_REST.chat(id)),
  };
}

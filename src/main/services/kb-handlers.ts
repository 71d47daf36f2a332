import { z } from 'zod';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { KB_REST, KbArticle, KbCategory, KbSearchResponse } from '../../shared/kb';
import { request } from '../sync/server-api';
import type { SessionManager } from './session';

type KbMethods =
  | 'kb.search'
  | 'kb.get'
  | 'kb.categories'
  | 'kb.create'
  | 'kb.edit'
  | 'kb.act'
  | 'kb.categoryCreate'
  | 'kb.categoryRename'
  | 'kb.categoryDelete';

/**
 * The knowledge base's calls: straight to the server with the session's token. Articles are not kept in the
 * replica: search needs the server's index, and an edit needs its rights and review checks, so offline these
 * fail at once with `unavailable` and the screen says so (nothing else waits on them).
 */
export function createKbHandlers(sessions: SessionManager): Pick<ServiceHandlers, KbMethods> {
  const call = <T extends z.ZodType>(path: string, body: unknown, schema: T) => {
    const { engine, info } = sessions.require();
    return engine.authorized((token) => request(info.serverUrl, path, body, schema, token));
  };
  return {
    'kb.search': async ({ q, lang, categoryId, states, limit }) => {
      const params = new URLSearchParams({ q, limit: String(limit) });
      if (lang) params.set('lang', lang);
      if (categoryId) params.set('categoryId', categoryId);
      if (states?.length) params.set('states', states.join(','));
      return call(`${KB_REST.search}?${params.toString()}`, undefined, KbSearchResponse);
    },
    'kb.get': async ({ id }) => call(KB_REST.article(id), undefined, KbArticle),
    'kb.categories': async () => call(KB_REST.categories, undefined, z.array(KbCategory)),
    'kb.create': async (input) => call(KB_REST.articles, input, KbArticle),
    'kb.edit': async ({ id, ...edit }) => call(KB_REST.article(id), edit, KbArticle),
    'kb.act': async ({ id, action, baseVersion }) =>
      call(KB_REST.action(id, action), { baseVersion }, KbArticle),
    'kb.categoryCreate': async (input) => call(KB_REST.categories, input, KbCategory),
    'kb.categoryRename': async ({ id, ...names }) => call(KB_REST.category(id), names, KbCategory),
    'kb.categoryDelete': async ({ id }) => call(KB_REST.categoryDelete(id), {}, z.object({})),
  };
}

import type { ServiceHandlers } from '../../shared/ipc/contract';
import type { SessionManager } from '../services/session';
import { chatFiles } from './chat-files';

type ChatMethods = Extract<keyof ServiceHandlers, `chat.${string}`>;

/**
 * Web chat (issue 13): the contract's chat.* methods over the session's chat link (the sync engine's socket).
 * Chats live on the server: nothing here is kept in the replica, and offline they fail at once, except what
 * the agent writes, which the link keeps until the server has it.
 */
export function createChatHandlers(sessions: SessionManager): Pick<ServiceHandlers, ChatMethods> {
  const link = () => sessions.require().engine.chat;
  const files = chatFiles(sessions);
  return {
    // Chat files (issue 13).
    'chat.upload': (input) => files.upload(input),
    'chat.file': ({ id }) => files.get(id),
    'chat.state': () => link().state(),
    'chat.history': async ({ chatId, since }) => ({ messages: await link().history(chatId, since) }),
    'chat.accept': ({ offerId }) => link().accept(offerId),
    'chat.decline': async ({ offerId }) => {
      await link().decline(offerId);
      return {};
    },
    'chat.send': (input) => link().send(input),
    'chat.discard': async ({ clientId }) => {
      link().discard(clientId);
      return {};
    },
    'chat.typing': async ({ chatId, typing }) => {
      await link().typing(chatId, typing);
      return {};
    },
    'chat.read': ({ chatId, seq }) => link().read(chatId, seq),
    'chat.transfer': (input) => link().transfer(input),
    'chat.end': ({ chatId }) => link().end(chatId),
    'chat.toTicket': (input) => link().toTicket(input),
    'chat.canned': ({ language }) => link().canned(language),
    'chat.close': async ({ chatId }) => {
      link().close(chatId);
      return {};
    },
  };
}

import type { Server } from 'socket.io';
import type { AuthService } from '../auth/auth-service';
import type { ChatService } from '../chat/chat-service';
import type { Db } from '../db/schema';
import type { KbService } from '../kb/kb-service';
import type { VoiceCluster } from '../voice/voice-cluster';
import type { VoiceService } from '../voice/voice-service';
import { attachChatAgents } from './agent-socket';
import { KbBot } from './bot';
import { ChatRouter, type ChatRoutingOptions } from './router';

export { cannedRouter } from './canned';
export type { ChatRoutingOptions } from './router';

export interface ChatRouting {
  router: ChatRouter;
  /** Expired offers and grace periods handled now (tests move the clock, then call this). */
  sweep(): Promise<void>;
  close(): void;
}

/**
 * The agent side of web chat (README.md): routing of waiting chats, the desktops' chat:* events, transcripts
 * and tickets, and the knowledge-base bot. Call after attachVoice (it follows agent status changes).
 */
export async function startChatRouting(deps: {
  db: Db;
  io: Server;
  auth: AuthService;
  chat: ChatService;
  voice: VoiceService;
  kb: KbService;
  cluster?: VoiceCluster;
  now: () => Date;
  log: (line: string) => void;
  poke: (departments: string[]) => void;
  /** bot: false leaves chats with the bot unanswered (tests of the visitor protocol alone); default on. */
  options?: ChatRoutingOptions & { botMinScore?: number; bot?: boolean };
}): Promise<ChatRouting> {
  const { chat, voice, cluster, log } = deps;
  const router = new ChatRouter({
    db: deps.db,
    chat,
    voice,
    now: deps.now,
    log,
    // The agent states routing reads live on the node that owns voice routing (voice-cluster.ts).
    decides: () => !cluster || cluster.isOwner,
    options: deps.options,
  });
  const detach = attachChatAgents(deps.io, { ...deps, router });
  const bot = new KbBot({ chat, kb: deps.kb, log, minScore: deps.options?.botMinScore });
  const offBot = chat.on('message', (m, s) => {
    if (deps.options?.bot === false) return;
    bot
      .answer(m, s)
      .catch((e: unknown) => log(`chat bot failed: ${e instanceof Error ? e.message : String(e)}`));
  });
  // An agent becoming Available, or a call ending, may free a slot for a waiting chat.
  const before = voice.onStatus;
  voice.onStatus = (s) => {
    before(s);
    router.kick();
  };
  await router.start();
  return {
    router,
    sweep: () => router.sweep(),
    close: () => {
      router.close();
      detach();
      offBot();
      voice.onStatus = before;
    },
  };
}

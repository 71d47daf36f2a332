import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { AgentChatSummary } from '../../shared/chat/agent-protocol';
import type { ChatMessage } from '../../shared/chat/protocol';
import type { ChatDeskState } from '../../shared/ipc/chat-desk';
import { getApi } from '../api';

const EMPTY: ChatDeskState = { online: false, chats: [], offers: [], pending: [] };

interface ChatValue {
  state: ChatDeskState;
  /** Messages by chat, by seq; loaded when a tab is first shown, then kept up by pushes. */
  messages: (chatId: string) => ChatMessage[];
  load: (chatId: string) => void;
  visitorTyping: (chatId: string) => boolean;
  /** The chat tab in front, for the desk and the navigation. */
  activeId: string | null;
  setActiveId: (id: string | null) => void;
  /** Open chats (not ended) count for the navigation badge. */
  openCount: number;
  unread: (chat: AgentChatSummary) => boolean;
}

const ChatContext = createContext<ChatValue | null>(null);

const merge = (list: ChatMessage[], more: ChatMessage[]) => {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of more) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
};

/** The agent's chats as the desktop services hold them, for the whole workbench (banner, badge, desk). */
export function ChatProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<ChatDeskState>(EMPTY);
  const [messages, setMessages] = useState<Map<string, ChatMessage[]>>(new Map());
  const [typing, setTyping] = useState<Map<string, boolean>>(new Map());
  const [activeId, setActiveId] = useState<string | null>(null);
  const loading = useRef(new Set<string>());

  useEffect(() => {
    const api = getApi();
    let live = true;
    api.invoke('chat.state', {}).then(
      (s) => live && setState(s),
      () => undefined, // signed in offline: the state event comes when the socket does
    );
    const offs = [
      api.on('chat.state', (s) => setState(s)),
      api.on('chat.message', ({ message }) =>
        setMessages((m) =>
          new Map(m).set(message.sessionId, merge(m.get(message.sessionId) ?? [], [message])),
        ),
      ),
      api.on('chat.visitorTyping', ({ chatId, typing: on }) => setTyping((t) => new Map(t).set(chatId, on))),
    ];
    return () => {
      live = false;
      for (const off of offs) off();
    };
  }, []);

  const load = useCallback((chatId: string) => {
    if (loading.current.has(chatId)) return;
    loading.current.add(chatId);
    getApi()
      .invoke('chat.history', { chatId, since: 0 })
      .then(
        (r) => setMessages((m) => new Map(m).set(chatId, merge(m.get(chatId) ?? [], r.messages))),
        () => loading.current.delete(chatId), // offline: tried again when the tab is shown again
      );
  }, []);

  // The front tab falls to another chat when its chat is closed.
  useEffect(() => {
    if (activeId && state.chats.some((c) => c.id === activeId)) return;
    setActiveId(state.chats[0]?.id ?? null);
  }, [state.chats, activeId]);

  const value = useMemo<ChatValue>(
    () => ({
      state,
      messages: (id) => messages.get(id) ?? [],
      load,
      visitorTyping: (id) => typing.get(id) ?? false,
      activeId,
      setActiveId,
      openCount: state.chats.filter((c) => c.state !== 'ended').length,
      unread: (c) => {
        const last = c.lastMessage;
        if (!last || last.sender !== 'visitor' || c.id === activeId) return false;
        const shown = messages.get(c.id);
        return !shown?.some((m) => m.seq === last.seq);
      },
    }),
    [state, messages, typing, activeId, load],
  );
  return <ChatContext.Provider value={value}>{children}</ChatContext.Provider>;
}

export function useChats(): ChatValue {
  const v = useContext(ChatContext);
  if (!v) throw new Error('useChats outside ChatProvider');
  return v;
}

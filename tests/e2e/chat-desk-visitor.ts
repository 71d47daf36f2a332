// A web-chat visitor for the chat desk's e2e: it speaks the widget's protocol (src/shared/chat/protocol.ts)
// on the real service's visitor socket, from the demo site's own origin, and keeps what the service sent it
// so the test can check what the customer saw. It reconnects as the widget does (same token, replay after
// the last seq) when the service goes away and comes back.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { CHAT_VISITOR_SOCKET_PATH } from '../../src/shared/chat/limits';
import type {
  ChatIdentity,
  ChatMessage,
  ChatSessionView,
  ServerFrame,
  VisitorFrame,
} from '../../src/shared/chat/protocol';

export interface Visitor {
  /** Every message of the session the visitor was sent, by seq (replays do not double them). */
  messages(): ChatMessage[];
  session(): ChatSessionView | null;
  /** Typing frames from the agent side, in order. */
  typing: boolean[];
  say(text: string): Promise<ChatMessage>;
  handoff(): void;
  identify(identity: ChatIdentity): void;
  setTyping(typing: boolean): void;
  read(seq: number): void;
  close(): void;
}

export async function connectVisitor(
  serverUrl: string,
  language: 'zh-CN' | 'en',
  site = 'demo',
): Promise<Visitor> {
  const byseq = new Map<number, ChatMessage>();
  const acks = new Map<string, (m: ChatMessage) => void>();
  const queued: VisitorFrame[] = [];
  let token: string | undefined;
  let view: ChatSessionView | null = null;
  let ws: WebSocket | undefined;
  let ready = false;
  let closed = false;
  const typing: boolean[] = [];
  const since = () => (view ? Math.max(0, ...[...byseq.keys()]) : 0);

  const open = (first: () => void) => {
    ready = false;
    const socket = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}${CHAT_VISITOR_SOCKET_PATH}`, {
      origin: new URL(serverUrl).origin,
    });
    ws = socket;
    socket.on('open', () =>
      socket.send(
        JSON.stringify({ type: 'hello', site, token, since: since(), sessionId: view?.id, language }),
      ),
    );
    socket.on('message', (raw) => {
      const f = JSON.parse(String(raw)) as ServerFrame;
      if (f.type === 'welcome') {
        token ??= f.token;
        if (f.session && view && f.session.id !== view.id) byseq.clear();
        view = f.session;
        for (const m of f.messages) byseq.set(m.seq, m);
        ready = true;
        for (const q of queued.splice(0)) socket.send(JSON.stringify(q));
        first();
      } else if (f.type === 'ack') {
        byseq.set(f.message.seq, f.message);
        acks.get(f.clientId)?.(f.message);
        acks.delete(f.clientId);
      } else if (f.type === 'message') byseq.set(f.message.seq, f.message);
      else if (f.type === 'state') view = f.session;
      else if (f.type === 'receipt' && view?.id === f.sessionId)
        view = { ...view, agentDelivered: f.agentDelivered, agentRead: f.agentRead };
      else if (f.type === 'typing' && f.sender === 'agent') typing.push(f.typing);
      else if (f.type === 'error') console.error(`[visitor] ${f.code}: ${f.message}`);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      ready = false;
      if (!closed) setTimeout(() => open(() => {}), 500);
    });
  };
  await new Promise<void>((resolve) => open(resolve));

  const send = (f: VisitorFrame) => {
    if (ready && ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(f));
    else queued.push(f);
  };
  return {
    messages: () => [...byseq.values()].sort((a, b) => a.seq - b.seq),
    session: () => view,
    typing,
    say: (text) =>
      new Promise((resolve) => {
        const clientId = randomUUID();
        acks.set(clientId, resolve);
        send({ type: 'send', clientId, text });
      }),
    handoff: () => send({ type: 'handoff' }),
    identify: (identity) => send({ type: 'identify', identity }),
    setTyping: (t) => send({ type: 'typing', typing: t }),
    read: (seq) => send({ type: 'receipt', delivered: seq, read: seq }),
    close: () => {
      closed = true;
      ws?.close();
    },
  };
}

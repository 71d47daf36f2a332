import { io, type Socket } from 'socket.io-client';
import { SocketEvents } from '../../shared/protocol/sync';
import { SlaSocketEvents } from '../../shared/protocol/sla';
import { VoiceSocketEvents } from '../../shared/protocol/voice';
// Web chat (issue 13, chat desk): the chat pushes the chat link hears.
import { ChatSocketEvents } from '../../shared/chat/agent-protocol';
const CHAT_PUSHES = [
  ChatSocketEvents.offer,
  ChatSocketEvents.offerWithdrawn,
  ChatSocketEvents.message,
  ChatSocketEvents.chat,
  ChatSocketEvents.visitorTyping,
];
// Supervisors (issue 14, desk): the live view's deltas and supervisors' notices.
import { SupervisorSocketEvents } from '../../shared/protocol/supervisor';
const SUPERVISOR_PUSHES = [SupervisorSocketEvents.delta, SupervisorSocketEvents.notice];

/**
 * What the sync engine needs from a connection, so it can run over socket.io in the product and over
 * anything speaking the same events in a test.
 */
export interface SyncConnection {
  readonly connected: boolean;
  /** Request/response with an acknowledgement; rejects on timeout or disconnect. */
  request(event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
  on(event: 'connect', fn: () => void): void;
  on(event: 'disconnect', fn: (reason: string) => void): void;
  /** message is 'unauthenticated' / 'token_expired' when the server refused us, else a transport error. */
  on(event: 'connect_error', fn: (err: { message: string; serverRefused: boolean }) => void): void;
  on(event: 'poke', fn: (payload: unknown) => void): void;
  /** The server pushed an agent's status (unvalidated: the listener parses it). */
  on(event: 'agentStatus', fn: (payload: unknown) => void): void;
  /** The server sent an SLA alert for this user (unvalidated: the listener parses it). */
  on(event: 'slaAlert', fn: (payload: unknown) => void): void;
  /** Web chat (issue 13): a chat:* push, by its socket event name (unvalidated: the chat link parses it). */
  on(event: 'chat', fn: (event: string, payload: unknown) => void): void;
  /** Supervisors (issue 14): a supervisor:delta or supervisor:notice push (unvalidated: the link parses it). */
  on(event: 'supervisor', fn: (event: string, payload: unknown) => void): void;
  connect(): void;
  close(): void;
}

export type ConnectionFactory = (serverUrl: string, token: () => string) => SyncConnection;

export const socketIoConnection: ConnectionFactory = (serverUrl, token) => {
  const socket: Socket = io(serverUrl, {
    autoConnect: false,
    // The token is read at every (re)connect, so a refreshed one is used without a new socket.
    auth: (cb) => cb({ token: token() }),
    transports: ['websocket'],
    // The engine schedules reconnects itself, so it can say when the next try is and try now on request.
    reconnection: false,
    timeout: 10_000,
  });
  return {
    get connected() {
      return socket.connected;
    },
    request: (event, payload, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(event, payload),
    on: ((event: string, fn: (...args: unknown[]) => void) => {
      if (event === 'poke') socket.on(SocketEvents.poke, fn);
      else if (event === 'agentStatus') socket.on(VoiceSocketEvents.status, fn);
      else if (event === 'slaAlert') socket.on(SlaSocketEvents.alert, fn);
      else if (event === 'chat') {
        for (const name of CHAT_PUSHES) socket.on(name, (payload: unknown) => fn(name, payload));
      } else if (event === 'supervisor') {
        for (const name of SUPERVISOR_PUSHES) socket.on(name, (payload: unknown) => fn(name, payload));
      } else if (event === 'connect_error') {
        socket.on('connect_error', (err: Error) =>
          // socket.active is false when the server's middleware refused us (no automatic retry then).
          (fn as (e: { message: string; serverRefused: boolean }) => void)({
            message: err.message,
            serverRefused: !socket.active,
          }),
        );
      } else socket.on(event as 'connect', fn as () => void);
    }) as SyncConnection['on'],
    connect: () => socket.connect(),
    close: () => {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
};

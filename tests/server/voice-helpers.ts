import type { Socket } from 'socket.io-client';
import {
  AgentStatus,
  PBX_SECRET_HEADER,
  VoiceSocketEvents,
  type Ack,
  type AgentStateChange,
  type BreakReason,
  type LoginResponse,
  type RequestableState,
} from '../../src/shared';
import { connectSocket, login, request, TEST_PBX_SECRET } from './helpers';

export interface AgentSession {
  session: LoginResponse;
  socket: Socket;
  /** Every agent:status pushed to this socket, in order. */
  pushed: AgentStatus[];
}

export async function signIn(baseUrl: string, username: string): Promise<AgentSession> {
  const session = await login(baseUrl, username);
  const socket = await connectSocket(baseUrl, session.accessToken);
  const pushed: AgentStatus[] = [];
  socket.on(VoiceSocketEvents.status, (s: unknown) => pushed.push(AgentStatus.parse(s)));
  return { session, socket, pushed };
}

/**
 * Agent sessions a test file opens against its server, closed together after each test, and the
 * server's clock moved forward for ring timeouts and grace periods.
 */
export function agentSessions(server: () => { url: string; clock: { now: Date } }) {
  const open: AgentSession[] = [];
  return {
    async session(username: string): Promise<AgentSession> {
      const s = await signIn(server().url, username);
      open.push(s);
      return s;
    },
    closeAll(): void {
      for (const s of open.splice(0)) s.socket.close();
    },
    tick(ms = 1000): void {
      const clock = server().clock;
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
}

export async function statusOf(s: AgentSession, userId?: string): Promise<AgentStatus> {
  const ack = await request<unknown>(s.socket, VoiceSocketEvents.getStatus, userId ? { userId } : {});
  if (!ack.ok) throw new Error(`getStatus failed: ${ack.error.message}`);
  return AgentStatus.parse(ack.data);
}

/** agent:setState with the version read just before (or the one given), as a desktop would. */
export async function setState(
  s: AgentSession,
  state: RequestableState,
  opts: { reason?: BreakReason; userId?: string; version?: number } = {},
): Promise<Ack<AgentStatus>> {
  const version = opts.version ?? (await statusOf(s, opts.userId)).version;
  return request<AgentStatus>(s.socket, VoiceSocketEvents.setState, {
    state,
    version,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.userId ? { userId: opts.userId } : {}),
  });
}

export async function mustSetState(
  s: AgentSession,
  state: RequestableState,
  opts: { reason?: BreakReason; userId?: string } = {},
): Promise<AgentStatus> {
  const ack = await setState(s, state, opts);
  if (!ack.ok) throw new Error(`setState ${state} failed: ${ack.error.message}`);
  return ack.data;
}

export async function historyOf(s: AgentSession, userId?: string): Promise<AgentStateChange[]> {
  const ack = await request<{ changes: AgentStateChange[] }>(
    s.socket,
    VoiceSocketEvents.history,
    userId ? { userId } : {},
  );
  if (!ack.ok) throw new Error(`history failed: ${ack.error.message}`);
  return ack.data.changes;
}

export async function route(
  baseUrl: string,
  queue: string,
  callId: string,
  caller = '13800138000',
  retry = false,
) {
  const url = `${baseUrl}/api/voice/route?queue=${queue}&caller=${encodeURIComponent(caller)}&callid=${encodeURIComponent(callId)}${retry ? '&retry=1' : ''}`;
  const res = await fetch(url, { headers: { [PBX_SECRET_HEADER]: TEST_PBX_SECRET } });
  return { status: res.status, body: await res.text() };
}

/** A call event as the PBX posts it, with the test servers' PBX secret unless another is given. */
export async function callEvent(baseUrl: string, callId: string, event: string, pbxSecret = TEST_PBX_SECRET) {
  const res = await fetch(`${baseUrl}/api/voice/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PBX_SECRET_HEADER]: pbxSecret },
    body: JSON.stringify({ callId, event }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The agent's phone for one signed-in session: fetches the SIP account, runs the engine and the audio
// devices, reports call progress to the central service, keeps the agent state and the after-call work.
// No React here either: the workbench renders getState() and calls the commands, so this can move into a
// window of its own later without changing its users.
import { v7 as uuidv7 } from 'uuid';
import type { AgentStatus, ErrorBody, InteractionRow, SwitchboardApi } from '../../shared';
import { SwitchboardError } from '../../shared';
import type { BreakReason, CallEventKind, Queue, RequestableState } from '../../shared/protocol/voice';
import { errorBodyOf } from '../api/api-error';
import { serverChangeNotice, type AgentNotice } from './agent-state-view';
import { createAudioDeviceManager, type AudioDeviceManager } from './audio-devices';
import { createPhone } from './phone';
import { lookupScreenPop } from './screen-pop-lookup';
import type { CallState, Phone, PhoneState } from './types';

/** Header the PBX adds to a call it routed from a queue (resources/pbx/kamailio.cfg.tpl). */
export const QUEUE_HEADER = 'X-Switchboard-Queue';

export type PhoneAccount =
  | { status: 'loading' }
  /** no_phone: this user has no extension; no_pbx: the service runs without a PBX; error: could not ask. */
  | {
      status: 'none';
      reason: 'no_phone' | 'no_pbx' | 'error';
      error: ErrorBody | null;
      retryAt: number | null;
    }
  | { status: 'ready'; extension: string; domain: string; wsUrl: string };

export interface WrapUp {
  call: CallState;
  /** The call record to complete; null while a routed call's record has not reached this desktop yet. */
  interactionId: string | null;
  /** A queue call (the service routed it and keeps the agent in WrapUp until this is done). */
  routed: boolean;
  startedAt: number;
  saving: boolean;
  error: ErrorBody | null;
}

export interface PhoneSessionState {
  account: PhoneAccount;
  /** The department's queues by number, for naming the queue a call came through. */
  queues: Record<string, Queue>;
  phone: PhoneState | null;
  agent: AgentStatus | null;
  agentError: ErrorBody | null;
  wrapUp: WrapUp | null;
  /** The last change the server made to the agent's state unasked (issue 14), until the agent dismisses it. */
  agentNotice: AgentNotice | null;
  /** When the sync link went down (ms); null while it is up: the state shown is then the last known one. */
  linkDownSince: number | null;
}

export interface WrapUpInput {
  disposition: string;
  notes: string;
  ticketId: string | null;
  /** The caller as the pop now shows them: links a call that had no customer (one made during the call). */
  customerId?: string | null;
}

export interface PhoneSession {
  getState(): PhoneSessionState;
  subscribe(listener: (s: PhoneSessionState) => void): () => void;
  /** The engine once the account is known (null before, or without a phone). */
  readonly phone: Phone | null;
  readonly devices: AudioDeviceManager | null;
  /** Try again now: fetch the account if that failed, or register again after a final refusal. */
  retry(): void;
  setAgentState(state: RequestableState, reason?: BreakReason): Promise<void>;
  dismissAgentNotice(): void;
  completeWrapUp(input: WrapUpInput): Promise<void>;
  /** Drop the wrap-up form without saving (direct calls only; a queue call's wrap-up must be completed). */
  dismissWrapUp(): void;
  dispose(): void;
}

const ACCOUNT_RETRY_MS = [2000, 5000, 15_000, 30_000];

interface Tracked {
  call: CallState;
  routed: boolean;
}

export function createPhoneSession(api: SwitchboardApi, opts: { agentId: string }): PhoneSession {
  let state: PhoneSessionState = {
    account: { status: 'loading' },
    queues: {},
    phone: null,
    agent: null,
    agentError: null,
    wrapUp: null,
    agentNotice: null,
    linkDownSince: null,
  };
  const listeners = new Set<(s: PhoneSessionState) => void>();
  let phone: Phone | null = null;
  let devices: AudioDeviceManager | null = null;
  let disposed = false;
  let accountAttempts = 0;
  let accountTimer: ReturnType<typeof setTimeout> | null = null;
  const tracked = new Map<string, Tracked>();
  const offs: (() => void)[] = [];

  function set(patch: Partial<PhoneSessionState>): void {
    if (disposed) return;
    state = { ...state, ...patch };
    for (const l of [...listeners]) l(state);
  }

  // ---- account ----

  async function loadAccount(): Promise<void> {
    if (accountTimer) clearTimeout(accountTimer);
    accountTimer = null;
    set({ account: { status: 'loading' } });
    try {
      const creds = await api.invoke('voice.credentials', {});
      if (disposed) return;
      if (!creds.wsUrl || !creds.domain) {
        set({ account: { status: 'none', reason: 'no_pbx', error: null, retryAt: null } });
        reportPhone(false);
        return;
      }
      accountAttempts = 0;
      set({
        account: { status: 'ready', extension: creds.extension, domain: creds.domain, wsUrl: creds.wsUrl },
      });
      startPhone(creds.wsUrl, `sip:${creds.extension}@${creds.domain}`, creds.password);
      void api.invoke('voice.queues', {}).then(
        ({ queues }) => set({ queues: Object.fromEntries(queues.map((q) => [q.number, q])) }),
        () => {
          // Without names the call panel shows the queue number, which still says where the call came from.
        },
      );
    } catch (e) {
      if (disposed) return;
      const error = errorBodyOf(e);
      if (error.code === 'not_found') {
        set({ account: { status: 'none', reason: 'no_phone', error, retryAt: null } });
        reportPhone(false);
        return;
      }
      // The service is unreachable or busy: ask again with backoff, so the phone comes up by itself.
      const delay = ACCOUNT_RETRY_MS[Math.min(accountAttempts, ACCOUNT_RETRY_MS.length - 1)] ?? 30_000;
      accountAttempts += 1;
      accountTimer = setTimeout(() => void loadAccount(), delay);
      set({ account: { status: 'none', reason: 'error', error, retryAt: Date.now() + delay } });
    }
  }

  function startPhone(wsUrl: string, sipUri: string, password: string): void {
    phone = createPhone({ wsUrl, sipUri, password });
    devices = createAudioDeviceManager(phone, opts.agentId);
    offs.push(phone.subscribe(onPhoneState));
    set({ phone: phone.getState() });
    phone.register();
  }

  // ---- call progress -> central service ----

  function report(callId: string, event: CallEventKind): void {
    api.invoke('voice.callEvent', { callId, event }).catch((e: unknown) => {
      // The service times calls out by itself; a lost report costs accuracy, not the call.
      console.warn(`call event ${event} not delivered`, errorBodyOf(e));
    });
  }

  function onPhoneState(ps: PhoneState): void {
    for (const call of [ps.call, ps.consultation]) {
      if (call) onCall(call);
    }
    set({ phone: ps });
    reportPhone(ps.registration.status === 'registered');
  }

  // ---- phone registration -> central service (issue 14: calls only to a phone that can ring) ----

  let reportedPhone: boolean | null = null;
  function reportPhone(registered: boolean): void {
    if (reportedPhone === registered) return;
    reportedPhone = registered;
    // Offline the desktop services keep it and send it on reconnect (agent-status.ts).
    api.invoke('agent.reportPhone', { registered }).then(
      (status) => status && onAgent(status),
      (e: unknown) => console.warn('phone registration not told to the service', errorBodyOf(e)),
    );
  }

  function onCall(call: CallState): void {
    const before = tracked.get(call.id);
    if (!before) {
      if (call.state === 'ended') return;
      tracked.set(call.id, { call, routed: call.direction === 'incoming' && QUEUE_HEADER in call.headers });
      // The pop's lookup starts with the INVITE, not after the first render of the call panel.
      if (call.direction === 'incoming' && call.remoteNumber) {
        lookupScreenPop(api, call.remoteNumber).catch(() => {});
      }
      return;
    }
    const prev = before.call;
    if (prev === call) return;
    before.call = call;
    const routed = before.routed;
    if (routed) {
      if (prev.answeredAt === null && call.answeredAt !== null) report(call.callId, 'answered');
      if (prev.state === 'active' && call.state === 'held') report(call.callId, 'hold');
      if (prev.state === 'held' && call.state === 'active') report(call.callId, 'resume');
    }
    if (call.state !== 'ended' || prev.state === 'ended') return;
    tracked.delete(call.id);
    if (routed) {
      if (call.answeredAt !== null) {
        report(call.callId, 'ended');
        beginWrapUp(call, true, state.agent?.interactionId ?? null);
      } else if (call.endedBy === 'local') {
        // Declined: the queue moves on to the next agent.
        report(call.callId, 'no_answer');
      }
      // A caller who hung up, or the PBX moving the call on after the ring timeout, both arrive as a
      // CANCEL: the PBX and the service know which it was, so this desktop reports neither.
      return;
    }
    void logCall(call);
  }

  /** Direct and outbound calls: nobody routed them, so this desktop records them. */
  async function logCall(call: CallState): Promise<void> {
    const account = state.account;
    const own = account.status === 'ready' ? account.extension : '';
    const inbound = call.direction === 'incoming';
    let row: InteractionRow;
    try {
      row = await api.invoke('interactions.log', {
        interactionId: uuidv7(),
        callId: call.callId,
        direction: inbound ? 'inbound' : 'outbound',
        callerNumber: inbound ? call.remoteNumber || 'anonymous' : own,
        calleeNumber: inbound ? own : call.remoteNumber,
        queueNumber: null,
        ringAt: new Date(call.startedAt).toISOString(),
        answerAt: call.answeredAt === null ? null : new Date(call.answeredAt).toISOString(),
        endAt: new Date(call.endedAt ?? Date.now()).toISOString(),
        holdSeconds: 0,
      });
    } catch (e) {
      console.warn('the call could not be recorded', errorBodyOf(e));
      if (call.answeredAt !== null) beginWrapUp(call, false, null, errorBodyOf(e));
      return;
    }
    if (call.answeredAt !== null) beginWrapUp(call, false, row.id);
  }

  function beginWrapUp(
    call: CallState,
    routed: boolean,
    interactionId: string | null,
    error: ErrorBody | null = null,
  ): void {
    set({ wrapUp: { call, routed, interactionId, startedAt: Date.now(), saving: false, error } });
    if (routed && interactionId === null) void findRecord(call.callId);
  }

  /** A routed call's record comes with sync; look it up by Call-ID once it is here. */
  async function findRecord(callId: string): Promise<string | null> {
    try {
      const row = await api.invoke('interactions.forCall', { callId });
      const w = state.wrapUp;
      if (row && w && w.call.callId === callId && w.interactionId === null) {
        set({ wrapUp: { ...w, interactionId: row.id } });
      }
      return row?.id ?? null;
    } catch {
      return null;
    }
  }

  // ---- agent state ----

  function onAgent(status: AgentStatus): void {
    if (status.userId !== opts.agentId) return;
    const current = state.agent;
    if (current && current.version > status.version) return;
    // The server moved the agent unasked (missed call, disconnect, supervisor, restart, wrap-up limit): say so.
    const notice = serverChangeNotice(current, status, opts.agentId);
    const agentNotice = notice ?? state.agentNotice;
    const w = state.wrapUp;
    if (w && w.routed && w.interactionId === null && status.interactionId) {
      set({
        agent: status,
        agentError: null,
        agentNotice,
        wrapUp: { ...w, interactionId: status.interactionId },
      });
      return;
    }
    set({ agent: status, agentError: null, agentNotice });
  }

  async function loadAgent(): Promise<void> {
    try {
      const status = await api.invoke('agent.status', {});
      if (status) onAgent(status);
    } catch (e) {
      set({ agentError: errorBodyOf(e) });
    }
  }

  offs.push(api.on('agent.status', onAgent));
  let wasDown = false;
  offs.push(
    api.on('sync.status', (s) => {
      // Back online after an outage: the state may have changed meanwhile (grace period, supervisor), and
      // the account may now be fetchable.
      if (s.state === 'offline' || s.state === 'connecting') {
        wasDown = true;
        if (state.linkDownSince === null) set({ linkDownSince: Date.now() });
      } else if (state.linkDownSince !== null) set({ linkDownSince: null });
      if (s.state === 'online' && wasDown) {
        wasDown = false;
        void loadAgent();
        if (state.account.status === 'none' && state.account.reason === 'error') void loadAccount();
      }
    }),
  );
  void loadAccount();
  void loadAgent();

  const session: PhoneSession = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get phone() {
      return phone;
    },
    get devices() {
      return devices;
    },
    retry() {
      if (state.account.status === 'none' && state.account.reason === 'error') void loadAccount();
      else if (phone && phone.getState().registration.status === 'failed') phone.register();
    },
    async setAgentState(next, reason) {
      // The version names the state the agent saw; right after sign-in it may not be here yet.
      if (!state.agent) await loadAgent();
      const seen = state.agent;
      const send = (version: number) =>
        api.invoke('agent.setState', { state: next, ...(reason ? { reason } : {}), version });
      try {
        let status: AgentStatus;
        try {
          status = await send(seen?.version ?? 0);
        } catch (e) {
          // The version moved but not the state the agent chose from (this desktop's own phone report right
          // after sign-in bumps it): sent once more with the new version. A changed state (a supervisor's break)
          // is shown instead, as below.
          if (errorBodyOf(e).code !== 'conflict' || !seen) throw e;
          await loadAgent();
          const now = state.agent;
          if (!now || now.version === seen.version || now.state !== seen.state || now.reason !== seen.reason)
            throw e;
          status = await send(now.version);
        }
        onAgent(status);
      } catch (e) {
        const error = errorBodyOf(e);
        set({ agentError: error });
        // A stale version means another window or a supervisor changed it: show the current state.
        if (error.code === 'conflict') void loadAgent();
        throw new SwitchboardError(error.code, error.message);
      }
    },
    async completeWrapUp(input) {
      const w = state.wrapUp;
      if (!w) return;
      set({ wrapUp: { ...w, saving: true, error: null } });
      try {
        const interactionId = w.interactionId ?? (await findRecord(w.call.callId));
        if (!interactionId) {
          throw new SwitchboardError(
            'unavailable',
            'The record of this call has not reached this computer yet. Try again in a moment.',
          );
        }
        await api.invoke('interactions.complete', { interactionId, ...input });
        if (w.routed && state.agent?.state === 'WrapUp') {
          // Ends the wrap-up; the service applies a pending state ("Break after this call") instead.
          await session.setAgentState('Available').catch(() => {});
        }
        set({ wrapUp: null });
      } catch (e) {
        const current = state.wrapUp;
        if (current) set({ wrapUp: { ...current, saving: false, error: errorBodyOf(e) } });
      }
    },
    dismissAgentNotice() {
      set({ agentNotice: null });
    },
    dismissWrapUp() {
      if (state.wrapUp && !state.wrapUp.routed) set({ wrapUp: null });
    },
    dispose() {
      if (disposed) return;
      if (accountTimer) clearTimeout(accountTimer);
      for (const off of offs) off();
      devices?.dispose();
      phone?.dispose();
      disposed = true;
      listeners.clear();
    },
  };
  return session;
}

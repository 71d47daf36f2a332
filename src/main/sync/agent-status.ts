import { Ack, SwitchboardError } from '../../shared/protocol/errors';
import {
  AgentStatus,
  VoiceSocketEvents,
  type BreakReason,
  type CallEventKind,
  type RequestableState,
} from '../../shared/protocol/voice';
import { ackData } from './pull';

const StatusAck = Ack(AgentStatus);
const MaybeStatusAck = Ack(AgentStatus.nullable());

/** What the agent's state needs from the sync connection: a request that fails clearly while offline. */
export type SocketRequest = (event: string, payload: unknown) => Promise<unknown>;

/**
 * The agent's state as the server owns it, over the sync socket: asked for on every (re)connect, followed
 * through the server's `agent:status` pushes, changed only by asking the server. Every message from the
 * server is parsed with the shared schemas; what does not parse is dropped, never shown.
 */
export class AgentStatusLink {
  private last: AgentStatus | null = null;
  /** What the softphone last said of its registration; told to the server again after every reconnect. */
  private phone: boolean | null = null;

  constructor(
    private readonly o: {
      /** Whose state this is: a supervisor's socket also hears the department's agents. */
      userId: string;
      request: SocketRequest;
      /** A newer status arrived (push, answer to a request, or the fetch after a reconnect). */
      onStatus: (s: AgentStatus) => void;
      log?: (line: string) => void;
    },
  ) {}

  /** The last status the server sent, without asking. */
  known(): AgentStatus | null {
    return this.last;
  }

  /**
   * Asks the server for the current status. announce: report it even when unchanged, as after a reconnect,
   * when the UI may have shown the agent offline.
   */
  async fetch(announce = false): Promise<AgentStatus> {
    const s = ackData<AgentStatus>(StatusAck, await this.o.request(VoiceSocketEvents.getStatus, {}));
    this.accept(s, announce);
    return s;
  }

  /** After a (re)connect; a user without a phone has no agent state, which is not worth more than a log line. */
  async refresh(): Promise<void> {
    try {
      // The server forgets nothing of it, but a restarted one (or a new routing owner) may not know it yet.
      if (this.phone !== null) {
        await this.sendPhone(this.phone).catch((e: unknown) => {
          this.o.log?.(`agent phone: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
      await this.fetch(true);
    } catch (e) {
      this.o.log?.(`agent status: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** `agent:status` from the server. */
  pushed(raw: unknown): void {
    const r = AgentStatus.safeParse(raw);
    if (!r.success) {
      this.o.log?.('agent status: dropped a malformed agent:status push');
      return;
    }
    if (r.data.userId === this.o.userId) this.accept(r.data, false);
  }

  /**
   * The softphone's registration (issue 14): the server offers calls only while it is registered, and says
   * "chat and tickets only" otherwise. Remembered and sent again on reconnect; offline this resolves null (it
   * goes with the reconnect), since only the current registration matters, never a queue of old ones.
   */
  async reportPhone(registered: boolean): Promise<AgentStatus | null> {
    this.phone = registered;
    try {
      return await this.sendPhone(registered);
    } catch (e) {
      if (e instanceof SwitchboardError && e.code === 'unavailable') return null;
      throw e;
    }
  }

  private async sendPhone(registered: boolean): Promise<AgentStatus> {
    const s = ackData<AgentStatus>(StatusAck, await this.o.request(VoiceSocketEvents.phone, { registered }));
    this.accept(s, false);
    return s;
  }

  async setState(req: {
    state: RequestableState;
    reason?: BreakReason;
    version: number;
  }): Promise<AgentStatus> {
    const payload = { state: req.state, version: req.version, ...(req.reason ? { reason: req.reason } : {}) };
    const s = ackData<AgentStatus>(StatusAck, await this.o.request(VoiceSocketEvents.setState, payload));
    this.accept(s, false);
    return s;
  }

  async callEvent(req: { callId: string; event: CallEventKind }): Promise<AgentStatus | null> {
    const s = ackData<AgentStatus | null>(
      MaybeStatusAck,
      await this.o.request(VoiceSocketEvents.callEvent, { callId: req.callId, event: req.event }),
    );
    // A supervisor reporting for an agent's call gets that agent's status back: not theirs to keep.
    if (s && s.userId === this.o.userId) this.accept(s, false);
    return s;
  }

  /** Statuses can overtake each other (an answer and a push): only a newer version replaces the last. */
  private accept(s: AgentStatus, always: boolean): void {
    if (!always && this.last && s.version <= this.last.version) return;
    this.last = s;
    this.o.onStatus(s);
  }
}

/** The refusal while there is no connection to the server: nothing is queued, so say so. */
export const offlineError = () =>
  new SwitchboardError(
    'unavailable',
    'You are offline: the state can change once the connection to the server is back.',
  );

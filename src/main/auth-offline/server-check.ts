import type { OfflineCheck } from '../../shared/ipc/contract';
import { REST, type LoginResponse } from '../../shared/protocol/auth';
import { SwitchboardError } from '../../shared/protocol/errors';
import * as api from '../sync/server-api';

export interface ServerCheckOptions {
  serverUrl: string;
  username: string;
  /** A refresh token remembered for this user on this computer, if any: used instead of asking. */
  refreshToken: string | null;
  /** The server accepted the session: from here on the desktop may send. */
  onVerified: (tokens: LoginResponse, password: string | null) => Promise<void>;
  onState: (state: OfflineCheck) => void;
  log?: (line: string) => void;
}

/**
 * After an offline sign-in nothing may reach the server until the server itself has accepted the session:
 * this watches for the server to come back, then refreshes a remembered token or, without one, asks the
 * agent for the password (without blocking their work). A refusal leaves the outbox and the replica as they
 * are and says why.
 */
export class ServerCheck {
  private state: OfflineCheck = { check: 'waiting', refusal: null };
  private refreshToken: string | null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private running = true;
  private busy: Promise<void> | null = null;

  constructor(private readonly o: ServerCheckOptions) {
    this.refreshToken = o.refreshToken;
    this.schedule(0);
  }

  get current(): OfflineCheck {
    return this.state;
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The agent asked not to wait. */
  retryNow(): void {
    if (!this.running) return;
    this.failures = 0;
    this.schedule(0);
  }

  /** The agent typed the password into the prompt: the server checks it, and only then does anything go. */
  async confirm(password: string): Promise<void> {
    if (!this.running) throw new SwitchboardError('bad_request', 'This sign-in was already checked.');
    let r: LoginResponse;
    try {
      r = await api.login(this.o.serverUrl, this.o.username, password);
    } catch (e) {
      if (e instanceof SwitchboardError && (e.code === 'wrong_credentials' || e.code === 'unauthenticated')) {
        // The server words a disabled account the same way, so the sentence names both.
        this.set({ check: 'password', refusal: 'password_refused' });
        throw new SwitchboardError(
          'wrong_credentials',
          'The server does not accept this password: it may have been changed, or your account disabled. Nothing was sent; your changes stay on this computer.',
        );
      }
      throw e;
    }
    await this.verified(r, password);
  }

  private set(next: OfflineCheck): void {
    if (next.check === this.state.check && next.refusal === this.state.refusal) return;
    this.state = next;
    this.o.onState(next);
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.busy ??= this.attempt().finally(() => (this.busy = null));
    }, delay);
    this.timer.unref();
  }

  private later(): void {
    this.failures++;
    // A look at the health endpoint costs the server next to nothing: the agent should not wait long.
    this.schedule(Math.min(5_000, 500 * 2 ** Math.min(this.failures, 4)));
  }

  private async attempt(): Promise<void> {
    if (!this.running) return;
    if (this.refreshToken) {
      try {
        const r = await api.refresh(this.o.serverUrl, this.refreshToken);
        await this.verified(r, null).catch((e: unknown) =>
          this.o.log?.(`offline sign-in: could not resume sync: ${e instanceof Error ? e.message : e}`),
        );
      } catch (e) {
        if (!(e instanceof SwitchboardError) || e.code === 'unavailable' || e.code === 'internal') {
          return this.later();
        }
        // Revoked, expired or disabled: the password may still be good (or become so when re-enabled).
        this.o.log?.(
          `offline sign-in: the remembered session was refused (${e.code}); asking for the password`,
        );
        this.refreshToken = null;
        this.set({
          check: 'password',
          refusal: e.code === 'forbidden' ? 'account_disabled' : null,
        });
      }
      return;
    }
    if (await reachable(this.o.serverUrl)) {
      this.failures = 0;
      if (this.state.check !== 'password') this.set({ check: 'password', refusal: this.state.refusal });
      // Still watched: if it goes away again, the prompt goes back to waiting.
      this.schedule(15_000);
      return;
    }
    if (this.state.check === 'password') this.set({ check: 'waiting', refusal: this.state.refusal });
    this.later();
  }

  private async verified(r: LoginResponse, password: string | null): Promise<void> {
    if (!this.running) return;
    this.stop();
    await this.o.onVerified(r, password);
  }
}

/** Whether the server answers at all (its health endpoint), within a few seconds. */
async function reachable(serverUrl: string): Promise<boolean> {
  try {
    const res = await fetch(new URL(REST.health, serverUrl), { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

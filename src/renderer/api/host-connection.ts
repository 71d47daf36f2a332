/**
 * Whether the desktop services can be reached. Under Electron they live in the same app and are always
 * reachable; in browser mode the websocket client reports here. Screens read this instead of knowing
 * which transport they have.
 */
export type HostConnection = 'connecting' | 'connected' | 'unreachable';

type Listener = (state: HostConnection) => void;

export class HostConnectionState {
  private state: HostConnection;
  private readonly listeners = new Set<Listener>();

  constructor(initial: HostConnection) {
    this.state = initial;
  }

  get(): HostConnection {
    return this.state;
  }

  set(state: HostConnection): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of [...this.listeners]) l(state);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

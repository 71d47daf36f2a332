import type { SyncConnection } from '../../src/main/sync';
import type { Random } from '../../src/server/demo/prng';
import { ServerCrash, type SimServer } from './sim-server';

/** What the desktop sees when a request goes unanswered: socket.io's ack timeout. */
export class SimTimeout extends Error {
  constructor(why: string) {
    super(`operation has timed out (${why})`);
  }
}

/** A request still on the wire after its sender gave up: delivered later, perhaps more than once. */
interface Ghost {
  /** The access token it was sent with: by the time it arrives the session may have ended. */
  token: string;
  event: string;
  payload: unknown;
}

export interface Faults {
  /** The request never reaches the server. */
  drop: number;
  /** The request is held back and reaches the server later, after the sender timed out (reordering). */
  delay: number;
  /** The server gets the request again later. */
  duplicate: number;
  /** The server handled the request; the answer is lost. */
  dropAck: number;
  /** The server process dies in the middle of a push. */
  crash: number;
}

export const NO_FAULTS: Faults = { drop: 0, delay: 0, duplicate: 0, dropAck: 0, crash: 0 };

/**
 * A network between desktops and the server whose every decision (lose, hold back, repeat, cut the answer,
 * kill the server mid-request) comes from the seed's PRNG. Requests are handled one at a time, in the order
 * the simulation makes them, so the same seed replays the same interleaving.
 */
export class SimNetwork {
  faults: Faults;
  private readonly ghosts: Ghost[] = [];
  /** Pokes on their way to desktops (by index), in no particular order (the reordering), some twice. */
  private readonly pokes: { device: number; poke: unknown }[] = [];
  delivered = 0;

  constructor(
    private readonly rnd: Random,
    private readonly server: SimServer,
    faults: Faults,
  ) {
    this.faults = faults;
  }

  get inFlight(): number {
    return this.ghosts.length;
  }

  get pokesInFlight(): number {
    return this.pokes.length;
  }

  /**
   * The connection one desktop's sync round uses, with its access token. `online` false: the cable is out.
   * `inFlight`: called while a push is on its way, when the agent may go on typing.
   */
  connection(
    token: string,
    online: () => boolean,
    onAck?: () => void,
    inFlight?: () => void,
  ): SyncConnection {
    const server = this.server;
    return {
      get connected() {
        return online() && server.up;
      },
      request: (event, payload) => this.send(token, event, payload, online, onAck, inFlight),
      on: () => undefined,
      connect: () => undefined,
      close: () => undefined,
    };
  }

  private async send(
    token: string,
    event: string,
    payload: unknown,
    online: () => boolean,
    onAck?: () => void,
    inFlight?: () => void,
  ): Promise<unknown> {
    const f = this.faults;
    if (!online()) throw new SimTimeout('offline');
    if (!this.server.up) throw new SimTimeout('server down');
    // A copy, as a socket serialises it: nobody may share objects with the server.
    const wire = structuredClone(payload);
    if (this.rnd.chance(f.drop)) throw new SimTimeout('request lost');
    if (this.rnd.chance(f.delay)) {
      this.ghosts.push({ token, event, payload: wire });
      throw new SimTimeout('request delayed');
    }
    if (event === 'sync:push') inFlight?.();
    const crashAfter =
      event === 'sync:push' && this.rnd.chance(f.crash)
        ? this.rnd.int(0, (wire as { mutations: unknown[] }).mutations.length)
        : undefined;
    let ack: unknown;
    try {
      ack = await this.server.handle(token, event, wire, crashAfter);
    } catch (e) {
      if (e instanceof ServerCrash) throw new SimTimeout('server killed mid-request');
      throw e;
    }
    this.delivered++;
    if (this.rnd.chance(f.duplicate)) this.ghosts.push({ token, event, payload: structuredClone(wire) });
    if (this.rnd.chance(f.dropAck)) throw new SimTimeout('answer lost');
    onAck?.();
    return structuredClone(ack);
  }

  /** The server poked these desktops: each poke is lost, or arrives later (see takePoke), perhaps twice. */
  sendPokes(pokes: { device: number; poke: unknown }[]): void {
    for (const p of pokes) {
      if (this.rnd.chance(this.faults.drop)) continue;
      this.pokes.push({ device: p.device, poke: structuredClone(p.poke) });
      if (this.rnd.chance(this.faults.duplicate))
        this.pokes.push({ device: p.device, poke: structuredClone(p.poke) });
    }
  }

  /** Any one of the pokes on the wire arrives (not necessarily the oldest); null when none is. */
  takePoke(): { device: number; poke: unknown } | null {
    if (this.pokes.length === 0) return null;
    const [p] = this.pokes.splice(this.rnd.int(0, this.pokes.length - 1), 1);
    return p!;
  }

  /** One held-back request arrives (any of them: that is the reordering); its answer goes nowhere. */
  async deliverGhost(): Promise<void> {
    if (this.ghosts.length === 0 || !this.server.up) return;
    const i = this.rnd.int(0, this.ghosts.length - 1);
    const g = this.ghosts[i]!;
    // Sometimes it stays on the wire to arrive once more.
    if (!this.rnd.chance(this.faults.duplicate)) this.ghosts.splice(i, 1);
    try {
      await this.server.handle(g.token, g.event, g.payload);
    } catch (e) {
      if (!(e instanceof ServerCrash)) throw e;
    }
  }

  /** Quiescence: whatever is still on the wire arrives (in a seeded order) or never will. */
  async flush(): Promise<void> {
    while (this.ghosts.length > 0) {
      const i = this.rnd.int(0, this.ghosts.length - 1);
      const [g] = this.ghosts.splice(i, 1);
      if (this.rnd.chance(0.5)) await this.server.handle(g!.token, g!.event, g!.payload);
    }
  }
}

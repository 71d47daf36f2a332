import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simTmp } from './sim-tmp';
import { Random } from '../../src/server/demo/prng';
import { checkMutations, checkReplicas } from './invariants';
import { SimClient } from './sim-client';
import { NO_FAULTS, SimNetwork, type Faults } from './sim-network';
import { SimServer } from './sim-server';

export interface SeedResult {
  seed: number;
  failures: string[];
  stats: {
    clients: number;
    steps: number;
    confirmed: number;
    refused: number;
    serverKills: number;
    clientKills: number;
    delivered: number;
    /** Pokes whose changes a desktop applied, and pokes a desktop answered with a pull. */
    pokesApplied: number;
    pokesPulled: number;
  };
}

/** Agents of two departments (demo: agent01-04 after-sales, agent05-08 technical support). */
const AGENTS = ['agent01', 'agent02', 'agent03', 'agent04', 'agent05', 'agent06', 'agent07', 'agent08'];

export const replayCommand = (seed: number) => `npm run sim -- --seed ${seed}`;

/**
 * One simulated day: 3-5 desktops editing, commenting and creating offline and online against one real
 * server database, over a network that loses, holds back, repeats and reorders requests, with servers and
 * desktops killed at random. Every choice comes from the seed; time is simulated, so a seed replays exactly.
 * Then quiescence (everyone online, nothing left on the wire, outboxes drained, a last pull) and the checks.
 */
export async function runSeed(seed: number): Promise<SeedResult> {
  const rnd = new Random(seed);
  let clock = Date.UTC(2026, 0, 2, 9);
  const now = () => new Date(clock);
  const dir = mkdtempSync(join(simTmp(), `sb-sim-${seed}-`));
  const server = await SimServer.open(dir, now);
  const clients: SimClient[] = [];
  try {
    const faults: Faults = {
      drop: rnd.float() * 0.15,
      delay: rnd.float() * 0.1,
      duplicate: rnd.float() * 0.1,
      dropAck: rnd.float() * 0.15,
      crash: rnd.float() * 0.05,
    };
    const killOnAck = rnd.float() * 0.05;
    const net = new SimNetwork(rnd, server, faults);
    const phones = (
      await server.database.selectFrom('customers').select('phone').where('phone', 'is not', null).execute()
    ).map((r) => r.phone!);

    const agents = [...AGENTS];
    for (let i = 0, n = rnd.int(3, 5); i < n; i++) {
      const [username] = agents.splice(rnd.int(0, agents.length - 1), 1);
      const user = await server.user(username!);
      clients.push(new SimClient(i, user, dir, rnd, () => now().toISOString()));
    }

    // Every desktop of a department the push changed is poked (the sim has no admins, so no 'all' room).
    server.onPokes = (pokes) =>
      net.sendPokes(
        clients.flatMap((c) => {
          const poke = pokes.get(`dept:${c.user.departmentId}`);
          return poke ? [{ userId: c.user.id, poke }] : [];
        }),
      );
    const deliverPoke = async (killOnAckNow: number) => {
      const p = net.takePoke();
      const c = p && clients.find((x) => x.user.id === p.userId);
      // An offline desktop has no socket to hear it on.
      if (c?.online) await c.poked(p!.poke, net, killOnAckNow);
    };

    const steps = rnd.int(40, 100);
    for (let step = 0; step < steps; step++) {
      clock += rnd.int(1, 120) * 1000;
      if (!server.up && rnd.chance(0.3)) await server.restart();
      const c = rnd.pick(clients);
      const r = rnd.float();
      if (r < 0.4) {
        // kill -9 right after the local write, before any push could carry it.
        if (c.localOp(phones) && rnd.chance(0.1)) c.kill();
      } else if (r < 0.65) {
        if (c.online) await c.syncRound(net, killOnAck);
      } else if (r < 0.75) {
        await deliverPoke(killOnAck);
      } else if (r < 0.84) {
        c.online = !c.online;
      } else if (r < 0.92) {
        await net.deliverGhost();
      } else if (r < 0.95) {
        server.kill();
      } else if (r < 0.97) {
        c.kill();
      }
    }

    // Quiescence: a clean network, the server up, every desktop online, whatever was on the wire landed.
    net.faults = NO_FAULTS;
    await server.restart();
    for (const c of clients) c.online = true;
    await net.flush();
    while (net.pokesInFlight > 0) await deliverPoke(0);
    for (let round = 0; round < 10 && clients.some((c) => c.outboxIds().length > 0); round++) {
      for (const c of clients) await c.syncRound(net, 0);
    }
    // Everyone pulls once more, after the last push anyone made.
    for (const c of clients) await c.syncRound(net, 0);

    const failures = [
      ...clients.flatMap((c) => c.errors.map((e) => `client ${c.index}: sync error: ${e}`)),
      ...(await checkMutations(server.database, clients)),
      ...(await checkReplicas(server.database, clients)),
    ];
    return {
      seed,
      failures,
      stats: {
        clients: clients.length,
        steps,
        confirmed: clients.reduce((n, c) => n + c.confirmed.length, 0),
        refused: clients.reduce((n, c) => n + c.refusals.size, 0),
        serverKills: server.kills,
        clientKills: clients.reduce((n, c) => n + c.kills, 0),
        delivered: net.delivered,
        pokesApplied: clients.reduce((n, c) => n + c.pokesApplied, 0),
        pokesPulled: clients.reduce((n, c) => n + c.pokesPulled, 0),
      },
    };
  } finally {
    for (const c of clients) c.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

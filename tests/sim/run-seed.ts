import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simTmp } from './sim-tmp';
import { Random } from '../../src/server/demo/prng';
import { checkMutations, checkReplicas } from './invariants';
import { SimDevice, type SimAgent } from './sim-client';
import { NO_FAULTS, SimNetwork, type Faults } from './sim-network';
import { SIM_PASSWORD, SimServer } from './sim-server';

export interface SeedResult {
  seed: number;
  failures: string[];
  stats: {
    devices: number;
    agents: number;
    steps: number;
    confirmed: number;
    notSent: number;
    /** Edits the server refused as same-field conflicts (other agents, or the same agent's other device). */
    conflicts: number;
    serverKills: number;
    deviceKills: number;
    damagedReplicas: number;
    delivered: number;
    /** Pokes whose changes a desktop applied, and pokes a desktop answered with a pull. */
    pokesApplied: number;
    pokesPulled: number;
    signIns: number;
    sessionsEnded: number;
    replicasDropped: number;
    admin: Record<AdminAct, number>;
  };
}

type AdminAct = 'disable' | 'enable' | 'move' | 'password' | 'endSessions' | 'absence';

/** Agents of two departments (demo: agent01-04 after-sales, agent05-08 technical support). */
const AGENTS = ['agent01', 'agent02', 'agent03', 'agent04', 'agent05', 'agent06', 'agent07', 'agent08'];

/** Adds a seed's stats into running totals (nested counts flattened by name): what a run exercised in all. */
export function addStats(totals: Record<string, number>, stats: object): void {
  for (const [k, v] of Object.entries(stats)) {
    if (typeof v === 'number') totals[k] = (totals[k] ?? 0) + v;
    else addStats(totals, v as object);
  }
}

export const replayCommand = (seed: number) => `npm run sim -- --seed ${seed}`;

/**
 * One simulated day: 3-5 desktops of 2-4 agents (some agents on two devices) editing, commenting and
 * creating offline and online against one real server database, over a network that loses, holds back,
 * repeats and reorders requests, with servers and desktops killed at random. Around the network, what broke
 * before: access tokens expire and are refreshed, agents sign out and in (offline too, after a restart
 * during an outage), an administrator disables and re-enables accounts, moves agents to another department,
 * sets new passwords and ends sessions, agents come back after a month away; agents type hundreds of changes
 * offline and go on typing while a push is on the wire; disks fill up and replicas are damaged.
 * Every choice comes from the seed; time is simulated, so a seed replays exactly.
 * Then quiescence (accounts enabled, everyone signed in and online, nothing left on the wire, outboxes
 * drained, a last pull) and the checks: every change an agent made is on the server exactly once or in that
 * device's not-sent list (or kept as a conflict for the agent to settle), and every replica equals the server.
 */
export async function runSeed(seed: number): Promise<SeedResult> {
  const rnd = new Random(seed);
  let clock = Date.UTC(2026, 0, 2, 9);
  const now = () => new Date(clock);
  const dir = mkdtempSync(join(simTmp(), `sb-sim-${seed}-`));
  const server = await SimServer.open(dir, now);
  const devices: SimDevice[] = [];
  const admin: Record<AdminAct, number> = {
    disable: 0,
    enable: 0,
    move: 0,
    password: 0,
    endSessions: 0,
    absence: 0,
  };
  try {
    const faults: Faults = {
      drop: rnd.float() * 0.15,
      delay: rnd.float() * 0.1,
      duplicate: rnd.float() * 0.1,
      dropAck: rnd.float() * 0.15,
      crash: rnd.float() * 0.05,
    };
    const killOnAck = rnd.float() * 0.05;
    // How often an agent types while their push is on the wire.
    const typing = rnd.float() * 0.4;
    const net = new SimNetwork(rnd, server, faults);
    const phones = (
      await server.database.selectFrom('customers').select('phone').where('phone', 'is not', null).execute()
    ).map((r) => r.phone!);
    const departments = await server.departments();

    const pool = [...AGENTS];
    const agents: SimAgent[] = [];
    for (let i = 0, n = rnd.int(2, 4); i < n; i++) {
      const [username] = pool.splice(rnd.int(0, pool.length - 1), 1);
      const user = await server.user(username!);
      agents.push({ id: user.id, username: user.username, password: SIM_PASSWORD });
    }
    const disabled = new Set<string>();
    for (let i = 0, n = rnd.int(Math.max(3, agents.length), 5); i < n; i++) {
      // Every agent has a device; the rest are second devices of some agent.
      const agent = i < agents.length ? agents[i]! : rnd.pick(agents);
      const d = new SimDevice(i, agent, await server.user(agent.username), dir, rnd, () => clock, server);
      if (!(await d.signIn())) throw new Error(`device ${i} could not sign in at the start`);
      devices.push(d);
    }

    // The server pokes each department a push changed (sync-socket.ts poke): data only to a signed-in device
    // with a live token whose user, read now, is enabled and in that department; a plain poke to the others.
    server.onPokes = async (pokes) => {
      const out: { device: number; poke: unknown }[] = [];
      for (const d of devices) {
        if (!d.signedIn || d.awaitingCheck || !d.session?.access) continue;
        const { user, disabled: off } = await server.account(d.agent.id);
        const parts = pokes.get(`dept:${d.user.departmentId}`) ?? pokes.get(`dept:${user.departmentId}`);
        if (!parts) continue;
        const last = parts.at(-1)!;
        const data = d.hearsData && !off && parts.some((p) => p.scope === `dept:${user.departmentId}`);
        if (data) for (const poke of parts) out.push({ device: d.index, poke });
        else out.push({ device: d.index, poke: { head: last.head } });
      }
      net.sendPokes(out);
    };
    const deliverPoke = async (killOnAckNow: number) => {
      const p = net.takePoke();
      const d = p && devices[p.device];
      // An offline desktop has no socket to hear it on.
      if (d?.online) await d.poked(p!.poke, net, killOnAckNow);
    };

    const act = async (what: AdminAct, agent: SimAgent) => {
      if (!server.up) return;
      admin[what]++;
      if (what === 'disable') {
        await server.disable(agent.id);
        disabled.add(agent.id);
      } else if (what === 'enable') {
        await server.enable(agent.id);
        disabled.delete(agent.id);
      } else if (what === 'move') {
        const { user } = await server.account(agent.id);
        await server.move(agent.id, rnd.pick(departments.filter((x) => x !== user.departmentId)));
      } else if (what === 'password') {
        agent.password = `new-password-${rnd.int(1, 1e6)}`;
        await server.setPassword(agent.id, agent.password);
      } else if (what === 'endSessions') {
        await server.endSessions(agent.id);
      }
    };

    const steps = rnd.int(40, 100);
    for (let step = 0; step < steps; step++) {
      clock += rnd.int(1, 120) * 1000;
      if (!server.up && rnd.chance(0.3)) await server.restart();
      const d = rnd.pick(devices);
      const r = rnd.float();
      if (r < 0.36) {
        // kill -9 right after the local write, before any push could carry it.
        if (d.localOp(phones) && rnd.chance(0.1)) await d.kill();
      } else if (r < 0.58) {
        await d.syncRound(net, killOnAck, typing, phones);
      } else if (r < 0.67) {
        await deliverPoke(killOnAck);
      } else if (r < 0.75) {
        d.online = !d.online;
      } else if (r < 0.82) {
        await net.deliverGhost();
      } else if (r < 0.845) {
        server.kill();
      } else if (r < 0.86) {
        // A restart, sometimes with pages of the replica damaged (a power cut, a bad disk).
        await d.kill(rnd.chance(0.3));
      } else if (r < 0.87) {
        // A long outage: the agent types hundreds of changes offline.
        d.online = false;
        for (let i = rnd.int(20, 150); i > 0; i--) d.localOp(phones);
      } else if (r < 0.89) {
        if (d.signedIn && rnd.chance(0.5)) await d.signOut();
        else await d.signIn();
      } else if (r < 0.9) {
        const agent = rnd.pick(agents);
        await act(disabled.has(agent.id) ? 'enable' : 'disable', agent);
      } else if (r < 0.91) {
        await act('move', rnd.pick(agents));
      } else if (r < 0.915) {
        await act('password', rnd.pick(agents));
      } else if (r < 0.92) {
        await act('endSessions', rnd.pick(agents));
      } else if (r < 0.923) {
        // A month away: every refresh token has expired by the time anyone is back.
        admin.absence++;
        clock += 31 * 24 * 3600 * 1000;
      } else if (r < 0.94) {
        d.setDiskFull(!d.diskFull);
      } else if (!d.signedIn) {
        await d.signIn();
      }
    }

    // Quiescence: a clean network, the server up, accounts enabled, disks with room, every desktop signed in
    // and online, whatever was on the wire landed.
    net.faults = NO_FAULTS;
    await server.restart();
    for (const id of disabled) await server.enable(id);
    for (const d of devices) {
      d.setDiskFull(false);
      d.online = true;
      if (!(await d.signIn())) d.errors.push('could not sign in at quiescence');
    }
    await net.flush();
    while (net.pokesInFlight > 0) await deliverPoke(0);
    for (let round = 0; round < 10 && devices.some((d) => d.outboxIds().length > 0 || !d.signedIn); round++) {
      for (const d of devices) {
        if (!d.signedIn) await d.signIn();
        await d.syncRound(net, 0);
      }
    }
    // Everyone pulls once more, after the last push anyone made.
    for (const d of devices) await d.syncRound(net, 0);

    const failures = [
      ...devices.flatMap((d) => d.errors.map((e) => `device ${d.index}: sync error: ${e}`)),
      ...(await checkMutations(server.database, devices)),
      ...(await checkReplicas(server, devices)),
    ];
    return {
      seed,
      failures,
      stats: {
        devices: devices.length,
        agents: agents.length,
        steps,
        confirmed: devices.reduce((n, d) => n + d.confirmed.length, 0),
        notSent: devices.reduce((n, d) => n + d.notSentIds().size, 0),
        conflicts: (
          await server.database
            .selectFrom('applied_mutations')
            .select('id')
            .where('error_code', '=', 'conflict')
            .execute()
        ).length,
        serverKills: server.kills,
        deviceKills: devices.reduce((n, d) => n + d.kills, 0),
        damagedReplicas: devices.reduce((n, d) => n + d.damaged, 0),
        delivered: net.delivered,
        pokesApplied: devices.reduce((n, d) => n + d.pokesApplied, 0),
        pokesPulled: devices.reduce((n, d) => n + d.pokesPulled, 0),
        signIns: devices.reduce((n, d) => n + d.signIns, 0),
        sessionsEnded: devices.reduce((n, d) => n + d.sessionsEnded, 0),
        replicasDropped: devices.reduce((n, d) => n + d.replicasDropped, 0),
        admin,
      },
    };
  } finally {
    for (const d of devices) d.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

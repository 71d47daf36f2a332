import { describe, expect, it } from 'vitest';
import { addStats, replayCommand, runSeed } from './run-seed';

/**
 * The seeded sync simulation (see run-seed.ts), issues #4 and #10. SIM_SEEDS=N runs seeds 1..N (default 200);
 * `npm run sim` runs thousands and replays one.
 */
const SEEDS = Number(process.env['SIM_SEEDS'] ?? 200);

describe('sync simulation', () => {
  it(
    `keeps every change an agent made on the server once or in their not-sent list, seeds 1..${SEEDS}`,
    { timeout: 900_000 },
    async () => {
      const seen: Record<string, number> = {};
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = await runSeed(seed);
        addStats(seen, r.stats);
        if (r.failures.length) {
          const head = r.failures.slice(0, 8).join('\n  ');
          // The seed and how to replay it, on one line each, before the details.
          expect.fail(`seed ${seed} failed\nreplay: ${replayCommand(seed)}\n  ${head}`);
        }
      }
      // The runs went through what broke before, not only the network: a pass that never disabled an account,
      // moved an agent, ended a session or damaged a replica would prove nothing about them.
      if (SEEDS < 100) return;
      for (const what of [
        'pokesApplied',
        'pokesPulled',
        'notSent',
        'conflicts',
        'damagedReplicas',
        'replicasDropped',
        'sessionsEnded',
        'disable',
        'move',
        'password',
        'endSessions',
        'absence',
      ]) {
        expect(seen[what], what).toBeGreaterThan(0);
      }
      // Some agents worked on two devices.
      expect(seen['devices']).toBeGreaterThan(seen['agents']!);
    },
  );
});

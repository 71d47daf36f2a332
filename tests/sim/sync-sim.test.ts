import { describe, expect, it } from 'vitest';
import { replayCommand, runSeed } from './run-seed';

/**
 * Issue #4: the seeded sync simulation (see run-seed.ts). SIM_SEEDS=N runs seeds 1..N (default 200);
 * `npm run sim` runs thousands and replays one.
 */
const SEEDS = Number(process.env['SIM_SEEDS'] ?? 200);

describe('sync simulation', () => {
  it(`keeps every confirmed change and converges, seeds 1..${SEEDS}`, { timeout: 600_000 }, async () => {
    const pokes = { applied: 0, pulled: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSeed(seed);
      pokes.applied += r.stats.pokesApplied;
      pokes.pulled += r.stats.pokesPulled;
      if (r.failures.length) {
        const head = r.failures.slice(0, 8).join('\n  ');
        // The seed and how to replay it, on one line each, before the details.
        expect.fail(`seed ${seed} failed\nreplay: ${replayCommand(seed)}\n  ${head}`);
      }
    }
    // Both ways a desktop answers a poke ran: its changes applied, and a pull when they did not fit.
    expect(pokes.applied).toBeGreaterThan(0);
    expect(pokes.pulled).toBeGreaterThan(0);
  });
});

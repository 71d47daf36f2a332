/**
 * The sync simulation on demand (issue #4): thousands of seeds, or one to replay.
 *   npm run sim -- --from 1 --count 5000     seeds 1..5000, stops at the first failure
 *   npm run sim -- --seed 1234               one seed, with everything it found
 * Without --seed it ends with what the seeds exercised in all (kills, sign-ins, disabled accounts, ...).
 */
import { parseArgs } from 'node:util';
import { addStats, replayCommand, runSeed } from '../tests/sim/run-seed';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: '1' },
    count: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const single = values.seed !== undefined;
const from = Number(single ? values.seed : values.from);
const count = single ? 1 : Number(values.count);
if (!Number.isInteger(from) || !Number.isInteger(count) || count < 1) {
  console.error('usage: npm run sim -- [--from N --count M | --seed N] [--verbose]');
  process.exit(2);
}

/** What the seeds exercised, summed: so a run that never disabled an account or damaged a replica shows it. */
const totals: Record<string, number> = {};

const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = await runSeed(seed);
  addStats(totals, r.stats);
  if (single || values.verbose) console.log(`seed ${seed}: ${JSON.stringify(r.stats)}`);
  if (r.failures.length) {
    console.error(`\nseed ${seed} FAILED (${r.failures.length} problems):`);
    for (const f of r.failures) console.error(`  ${f}`);
    console.error(`\nreplay: ${replayCommand(seed)}`);
    process.exit(1);
  }
  const done = seed - from + 1;
  if (!single && (done % 100 === 0 || done === count)) {
    const s = (Date.now() - started) / 1000;
    console.log(`${done}/${count} seeds ok (up to ${seed}), ${s.toFixed(1)} s`);
  }
}
if (!single) console.log(`exercised: ${JSON.stringify(totals)}`);
console.log(single ? `seed ${from} ok` : `all ${count} seeds from ${from} ok`);

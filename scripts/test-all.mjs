// `npm test`: every check CI runs, on a fresh machine. The checks that need nothing built come first (they fail
// fastest); then the suites run in two lanes side by side, because most of their time is spent waiting on the
// servers, browsers and databases they start, and one lane leaves half of a 2-core machine idle. Each line of
// output carries its step's name. A failing step fails the run; the other lane finishes first, so one run shows
// every failure.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const started = Date.now();
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

/** Runs `npm run <script>`, its output prefixed; resolves with whether it passed. */
function run(script) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const tag = `[${script}]`;
    console.log(`${tag} start (${minutes(t0 - started)} into the run)`);
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => console.log(`${tag} ${line}`));
    }
    child.on('error', (e) => {
      console.log(`${tag} could not start: ${e.message}`);
      resolve(false);
    });
    child.on('exit', (code, signal) => {
      const ok = code === 0;
      console.log(
        `${tag} ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${minutes(Date.now() - t0)}`,
      );
      resolve(ok);
    });
  });
}

/** Steps one after another; stops at the first failure. */
async function lane(scripts) {
  for (const script of scripts) if (!(await run(script))) return script;
  return null;
}

/** Lanes side by side; resolves with the failed steps of all of them. */
async function side(...lanes) {
  return (await Promise.all(lanes.map(lane))).filter((failed) => failed !== null);
}

const plan = [
  // The Debian packages the suites start (Kamailio, rtpengine, PostgreSQL, Chromium, ...): checked, installed.
  [['system-deps']],
  [['typecheck'], ['lint', 'check:electron']],
  // The UI bundles: the e2e suites and the Node LTS check serve them.
  [['build']],
  // Two lanes of about the same length (measured on 2 cores): the unit suites then the Node LTS check, beside
  // the PostgreSQL run then the browser suites.
  [
    ['test:unit', 'test:node-lts'],
    ['test:pg', 'test:e2e'],
  ],
];

for (const lanes of plan) {
  const failed = await side(...lanes);
  if (failed.length > 0) {
    console.log(`npm test: FAILED (${failed.join(', ')}) after ${minutes(Date.now() - started)}`);
    process.exit(1);
  }
}
console.log(`npm test: all passed in ${minutes(Date.now() - started)}`);

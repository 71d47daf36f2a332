// `npm run check:electron`: @doyensec/electronegativity over the Electron shell (src/main/electron,
// src/preload and package.json, scanned together so its global checks see the whole shell), offline.
// Fails on any finding above INFORMATIONAL that is not in EXCEPTIONS below, on an exception that no longer
// matches anything (so the list cannot rot), and on a file the tool could not parse (a file not checked).
//
//   node scripts/electronegativity.mjs [--root <dir>]   (--root: scan <dir>/src/main/electron etc. instead)
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1] ?? '') : repo;
const INPUTS = ['src/main/electron', 'src/preload', 'package.json'];

/**
 * Findings above INFORMATIONAL that were reviewed and are accepted, by check id and file (not line, which
 * moves). Each says why; an entry that matches nothing fails the run and must be removed.
 */
const EXCEPTIONS = [
  {
    id: 'PRELOAD_JS_CHECK',
    file: 'src/main/electron/index.ts',
    why:
      'Reported for every preload script. Ours (src/preload/index.ts) runs sandboxed with context ' +
      'isolation and exposes only the contract bridge (invokeRaw and onEvent over two fixed channels), ' +
      'never ipcRenderer itself; the main process checks the sender frame is the exact app page and ' +
      'validates every input against its zod schema.',
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src/main/electron/security.ts',
    why:
      'Reported for every openExternal whose argument is not a string literal. The only call passes ' +
      'externalLinkTarget(url), which lets through https: URLs without credentials and nothing else ' +
      '(file:, smb:, ms-msdt:, javascript: ... are dropped); tests/main/electron/app-url.test.ts.',
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    file: 'src/main/electron/security.ts',
    why:
      'LOW "Failed to parse CSP": the tool reads only a string literal inside the header array, and ours ' +
      'is the CONTENT_SECURITY_POLICY constant shared with the app:// answers. ' +
      'tests/main/electron/app-protocol.test.ts evaluates that constant with the same csp-evaluator and ' +
      "allows only its reminder that script-src 'self' must host no user files (app://switchboard " +
      'serves only our own build).',
  },
];

/**
 * Checks not run. AvailableSecurityFixesGlobalCheck downloads Electron's release notes from GitHub on every
 * run; this check must work offline and give the same answer every time. Whether a newer Electron 41.x
 * carries security fixes is a dependency update, not a finding in our code.
 */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'];

const require = createRequire(import.meta.url);
const runnerPath = require.resolve('@doyensec/electronegativity');
const toolVersion = JSON.parse(readFileSync(join(dirname(runnerPath), '..', 'package.json'), 'utf8')).version;
// The Electron version we build against, so the tool neither guesses it nor looks it up.
const electronVersion = JSON.parse(
  readFileSync(require.resolve('electron/package.json', { paths: [repo] }), 'utf8'),
).version;

// Offline by design: the tool fetches translations (and, in the excluded check, Electron releases) with
// `got`. Its `got` is replaced by one that answers 503 without touching the network, so the bundled
// en-US texts are used; any request is counted and printed.
const refusedRequests = [];
const toolRequire = createRequire(runnerPath);
const gotPath = toolRequire.resolve('got');
const offline = (url) => {
  refusedRequests.push(String(url));
  return Promise.resolve({ statusCode: 503, headers: {}, body: '' });
};
offline.head = offline;
offline.get = offline;
toolRequire.cache[gotPath] = {
  id: gotPath,
  filename: gotPath,
  loaded: true,
  exports: offline,
  children: [],
  paths: [],
};
process.env.LANG = 'en-US';

/** The files the tool reads (its own filter: list_files in its util/file.js). */
function listFiles(dir) {
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile() && /\.(jsx?|tsx?|html?)$|package(-lock)?\.json$/i.test(f));
}

const started = Date.now();
const stage = mkdtempSync(join(tmpdir(), 'sb-electronegativity-'));
let status = 1;
try {
  for (const input of INPUTS) {
    const from = join(root, input);
    if (!existsSync(from))
      throw new Error(`${from} does not exist: run from the repository (or pass --root).`);
    cpSync(from, join(stage, input), { recursive: true });
  }
  const files = listFiles(stage).map((f) => relative(stage, f).split(sep).join('/'));

  const { default: run } = await import(runnerPath).then((m) => ('default' in m ? m : { default: m }));
  const result = await run(
    {
      input: stage,
      isRelative: true,
      electronVersionOverride: electronVersion,
      customScan: [],
      excludeFromScan: EXCLUDED_CHECKS,
      parserPlugins: [],
    },
    false,
  );

  const findings = result.issues.map((i) => ({
    id: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file === 'N/A' ? 'N/A' : i.file.split(sep).join('/'),
    line: i.location?.line ?? 0,
    column: i.location?.column ?? 0,
    description: i.description,
  }));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;

  const used = new Set();
  const blocking = [];
  const excepted = [];
  for (const f of findings) {
    if (f.severity === 'INFORMATIONAL') continue;
    const exception = EXCEPTIONS.findIndex((e) => e.id === f.id && e.file === f.file);
    if (exception >= 0) {
      used.add(exception);
      excepted.push(f);
    } else blocking.push(f);
  }
  const stale = EXCEPTIONS.filter((_, i) => !used.has(i));
  const parseErrors = result.errors.filter((e) => !e.tolerable);

  const line = (f) =>
    `  ${f.severity} ${f.confidence} ${f.id} ${f.file}:${f.line}:${f.column} ${f.description}`;
  console.log(`electronegativity ${toolVersion}, Electron ${electronVersion}, inputs: ${INPUTS.join(', ')}`);
  console.log(`  files scanned: ${files.length} (${files.join(', ')})`);
  console.log(
    `  checks run: ${result.globalChecks + result.atomicChecks} (${result.atomicChecks} atomic, ${result.globalChecks} global; not run: ${EXCLUDED_CHECKS.join(', ')})`,
  );
  console.log(
    `  findings: ${findings.length} (${SEVERITIES.slice()
      .reverse()
      .map((s) => `${s} ${bySeverity[s]}`)
      .join(', ')})`,
  );
  for (const f of findings.filter((f) => f.severity === 'INFORMATIONAL')) console.log(line(f));
  console.log(`  accepted by a justified exception: ${excepted.length}`);
  for (const f of excepted) console.log(line(f));
  console.log(`  network requests refused: ${refusedRequests.length}; ${Date.now() - started} ms`);

  for (const e of parseErrors) console.error(`could not parse ${relative(stage, e.file)}: ${e.message}`);
  for (const e of stale) {
    console.error(
      `stale exception ${e.id} in ${e.file}: nothing matches it any more; remove it from scripts/electronegativity.mjs`,
    );
  }
  if (blocking.length) {
    console.error(`\n${blocking.length} finding(s) above INFORMATIONAL without an exception:`);
    for (const f of blocking) console.error(line(f));
    console.error(
      'Fix the code (https://github.com/doyensec/electronegativity/wiki/<ID>), or, if the finding is reviewed ' +
        'and harmless, add it to EXCEPTIONS in scripts/electronegativity.mjs with the reason.',
    );
  }
  status = blocking.length || stale.length || parseErrors.length ? 1 : 0;
  if (status === 0) console.log('check:electron passed: no finding above INFORMATIONAL left unexplained.');
} finally {
  rmSync(stage, { recursive: true, force: true });
}
process.exit(status);

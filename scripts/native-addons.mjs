// Native addons (better-sqlite3, and keytar where installed) are built for one Node ABI. A machine whose
// Node is not the one they were built with (Node 22 or 24 after a Node 20 install, or `npm ci` here, where
// .npmrc's nodedir=/usr gives node-gyp the system Node's headers) fails at the first database open with
// NODE_MODULE_VERSION errors. ensureNativeAddons() loads each addon in a child of the running Node and
// rebuilds the ones that do not load, against the running Node's own headers where it ships them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const ADDONS = [
  // Opening a database is what loads better-sqlite3's binding; requiring the package does not.
  { name: 'better-sqlite3', probe: "new (require('better-sqlite3'))(':memory:').close()", required: true },
  { name: 'keytar', probe: "require('keytar')", required: false },
];

/** The install prefix of a Node binary (…/bin/node -> …) when it has headers of exactly its version. */
export function headersOf(nodeBinary, version) {
  const prefix = dirname(dirname(nodeBinary));
  const header = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(header)) return null;
  const text = readFileSync(header, 'utf8');
  const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
  return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === version ? prefix : null;
}

function loads(cwd, probe) {
  const r = spawnSync(process.execPath, ['-e', probe], { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, error: r.stderr };
}

function npmCommand() {
  // Under `npm start`, npm_execpath is the npm that runs us; run it with our own Node so that the rebuild
  // (and node-gyp under it) targets this Node.
  const cli = process.env.npm_execpath;
  return cli && cli.endsWith('.js') ? [process.execPath, [cli]] : ['npm', []];
}

/**
 * Makes every installed addon load under the running Node, rebuilding what does not. Returns the lines to
 * print; throws with the reason when a required addon still cannot load.
 */
export function ensureNativeAddons(cwd = process.cwd(), log = (line) => console.log(line)) {
  for (const addon of ADDONS) {
    if (!existsSync(join(cwd, 'node_modules', addon.name))) {
      if (addon.required) throw new Error(`${addon.name} is not installed: run npm ci first.`);
      continue;
    }
    const first = loads(cwd, addon.probe);
    if (first.ok) continue;
    if (!/NODE_MODULE_VERSION|invalid ELF header|Could not locate the bindings file/.test(first.error)) {
      if (addon.required)
        throw new Error(`${addon.name} does not load: ${first.error.trim().split('\n')[0]}`);
      continue;
    }
    log(`Rebuilding ${addon.name} for Node ${process.version} (built for another Node; about a minute) ...`);
    const nodedir = headersOf(process.execPath, process.version);
    const [npm, args] = npmCommand();
    const env = {
      ...process.env,
      // node-gyp, run by the addon's install script, takes `node` from PATH: ours first.
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
    };
    // The addon's own install script in its own folder (not `npm rebuild`, which rebuilds every copy of it
    // that npm finds through linked folders too).
    const rebuilt = spawnSync(npm, [...args, 'run', 'install'], {
      cwd: join(cwd, 'node_modules', addon.name),
      env,
      encoding: 'utf8',
    });
    const again = loads(cwd, addon.probe);
    if (again.ok) continue;
    const why = (rebuilt.stderr || again.error).trim().split('\n').slice(-3).join(' | ');
    if (addon.required)
      throw new Error(`Could not rebuild ${addon.name} for Node ${process.version}: ${why}`);
    log(`${addon.name} is unavailable on Node ${process.version} (${why}); remember-me falls back.`);
  }
}

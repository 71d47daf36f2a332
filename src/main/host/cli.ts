import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseServerUrls } from '../services';
import { DEFAULT_SERVER_URLS, startHost } from './server';

/**
 * `npm run host`: the desktop services for browsers. Env SWITCHBOARD_HOST_PORT, SWITCHBOARD_HOST_BIND,
 * SWITCHBOARD_DATA, SWITCHBOARD_RENDERER, SWITCHBOARD_HOST_NAMES, SWITCHBOARD_SERVER_URLS; flags --port,
 * --data, --renderer win over them.
 */
const { values } = parseArgs({
  options: { port: { type: 'string' }, data: { type: 'string' }, renderer: { type: 'string' } },
});
const env = process.env;
const port = Number(values.port ?? env['SWITCHBOARD_HOST_PORT'] ?? 4100);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Not a port: ${values.port ?? env['SWITCHBOARD_HOST_PORT']}`);
  process.exit(2);
}
const host = env['SWITCHBOARD_HOST_BIND'] ?? '127.0.0.1';
const hostNames = (env['SWITCHBOARD_HOST_NAMES'] ?? '')
  .split(',')
  .map((n) => n.trim())
  .filter(Boolean);
let serverUrls: string[];
try {
  serverUrls = parseServerUrls(env['SWITCHBOARD_SERVER_URLS']) ?? DEFAULT_SERVER_URLS;
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}

try {
  const h = await startHost({
    port,
    host,
    hostNames,
    serverUrls,
    dataDir: resolve(values.data ?? env['SWITCHBOARD_DATA'] ?? '.data/desktop'),
    rendererDir: resolve(values.renderer ?? env['SWITCHBOARD_RENDERER'] ?? 'out/renderer'),
    log: (line) => console.error(line),
  });
  console.log(`Switchboard desktop (browser mode) on ${h.url}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void h.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(`Could not start the browser-mode host: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

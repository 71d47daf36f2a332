import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running one of the service's own modules, given by its URL next to the caller's
 * (`new URL('./x', import.meta.url)`, without an extension: the caller's is used). The service runs from its
 * TypeScript sources under tsx (`npm run server`), and Node 20 does not carry `--import tsx` into a worker's
 * module loader: a .ts module is loaded through tsx's API from a small bootstrap instead. A compiled .js
 * module is started as it is.
 */
export function startModuleWorker(
  base: URL,
  callerUrl: string,
  workerData: unknown,
  resourceLimits?: ResourceLimits,
): Worker {
  const ext = /\.[cm]?[jt]s$/.exec(new URL(callerUrl).pathname)?.[0] ?? '.js';
  const url = new URL(`${base.href}${ext}`);
  if (!ext.endsWith('ts')) return new Worker(url, { workerData, resourceLimits });
  const bootstrap = `import(${JSON.stringify(tsxApi(callerUrl))}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(callerUrl)}))`;
  // Started clean: the loader flags the service may run under (tsx's CLI) do not load modules in a worker.
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [], resourceLimits });
}

/**
 * The file URL of tsx's ES module API, found from the caller's node_modules. Its CommonJS build registers its
 * loader by a path that does not exist in the package (tsx 4.23), and a bare import from the bootstrap would
 * resolve from the working directory.
 */
function tsxApi(callerUrl: string): string {
  const manifest = createRequire(callerUrl).resolve('tsx/package.json');
  const exports = (
    JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports: Record<string, { import?: { default?: string } }>;
    }
  ).exports;
  const entry = exports['./esm/api']?.import?.default;
  if (!entry) throw new Error(`tsx at ${dirname(manifest)} has no ES module API`);
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

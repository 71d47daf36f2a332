// Type-checks every part against its own runtime (shared: no DOM and no Node; renderer: DOM; the rest: Node).
import { spawnSync } from 'node:child_process';
// widget: the web chat widget (issue 13, chat area), DOM without Node.
// wallboard: the TV page (issue 14), DOM and React without Node.
const parts = ['shared', 'server', 'main', 'preload', 'renderer', 'tests', 'widget', 'wallboard'];
let failed = [];
for (const part of parts) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `tsconfig.${part}.json`], {
    stdio: 'inherit',
  });
  console.log(`typecheck ${part}: ${r.status === 0 ? 'ok' : 'FAILED'} (${Date.now() - t0} ms)`);
  if (r.status !== 0) failed.push(part);
}
if (failed.length) {
  console.error(`typecheck failed in: ${failed.join(', ')}`);
  process.exit(1);
}

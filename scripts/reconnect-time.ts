/**
 * How long an agent waits after the server comes back: a real server and a real desktop (services + sync
 * engine), the server stopped for a while (long enough for the backoff to reach its cap), then started again
 * on the same port; the time from "listening" to the desktop's status saying online, over several rounds.
 * A measurement, not a test: `npx tsx scripts/reconnect-time.ts [rounds] [downSeconds]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDesktopServices } from '../src/main/services';
import { NoVault } from '../src/main/vault';
import { reopenTestServer, startTestServer } from '../tests/server/helpers';

const rounds = Number(process.argv[2] ?? 8);
const downMs = Number(process.argv[3] ?? 20) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let server = await startTestServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-reconnect-'));
  let state = 'connecting';
  const services = createDesktopServices({
    dataDir,
    deviceId: 'reconnect-time',
    vault: new NoVault(),
    emit: (event, payload) => {
      if (event === 'sync.status') state = (payload as { state: string }).state;
    },
  });
  const until = async (want: string) => {
    while (state !== want) await sleep(10);
  };
  const login = await services.invoke('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  if (!login.ok) throw new Error(login.error.message);
  await until('online');
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await server.close();
    await until('offline');
    await sleep(downMs);
    server = await reopenTestServer(server);
    const back = performance.now();
    await until('online');
    times.push(performance.now() - back);
    console.log(`round ${i + 1}: online ${(times.at(-1)! / 1000).toFixed(2)} s after the server was back`);
  }
  times.sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `server back -> online, ${rounds} rounds after ${downMs / 1000} s down: ` +
      `median ${s(times[Math.floor(times.length / 2)]!)}, max ${s(times.at(-1)!)}, min ${s(times[0]!)}`,
  );
  await services.dispose();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

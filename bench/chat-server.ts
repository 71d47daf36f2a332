/**
 * The central service for bench:chat, in a process of its own so its memory is measured without the load driver's:
 * a fresh SQLite database with the demo data, the visitor rate limits raised (every simulated visitor comes from
 * 127.0.0.1, where a real site's visitors come from as many addresses), and a chat capacity per agent that lets
 * 50 agents hold 1,000 chats. Prints one JSON line { url } when it listens; SIGTERM stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/app';

const capacity = Number(process.env['BENCH_CHAT_CAPACITY'] ?? 25);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-chat-'));
const wide = { burst: 1_000_000, perSecond: 1_000_000 };
const server = await startServer({
  port: 0,
  dbPath: join(dir, 'server.sqlite'),
  seed: 'demo',
  // A fixed signing secret: nothing here outlives the run.
  jwtSecret: 'bench-chat-secret-bench-chat-secret',
  pbxSecret: 'bench-chat-pbx-secret-bench-chat',
  chat: {
    rateLimits: {
      addressMessages: wide,
      addressNewVisitors: wide,
      addressConnections: wide,
      visitorMessages: { burst: 100, perSecond: 10 },
    },
  },
  // Visitors ask for a person at once; the bot is measured by bench:kb's search.
  chatRouting: { capacity, bot: false, offerTimeoutMs: 120_000 },
  sla: { sweepEveryMs: 3_600_000, firstSweepMs: 3_600_000 },
  log: process.env['BENCH_SERVER_LOG'] ? (l) => console.error(`[server] ${l}`) : () => {},
});
console.log(JSON.stringify({ url: server.url }));
const stop = async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

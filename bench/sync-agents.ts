/**
 * The other connected agents of bench:sync, in a process of their own as on their own machines: each holds a
 * socket.io connection as a desktop does and, on a poke, takes the changes it carries when they start at its
 * cursor, or else pulls what is new since its cursor. Forked by
 * bench/sync.ts with the server URL, the stream head and a JSON file of the accounts; it answers
 * `{ connected }` once every socket is up, and `{ pulls }` when asked 'count'.
 */
import { readFileSync } from 'node:fs';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { signAccessToken } from '../src/server/auth/tokens';
import { toUser } from '../src/server/directory/directory-store';
import type { Database } from '../src/server/db/schema';
import { SocketEvents } from '../src/shared/protocol/sync';

const [url, headText, accountsFile] = process.argv.slice(2);
if (!url || !headText || !accountsFile || !process.send) throw new Error('forked by bench/sync.ts');
const send = (m: unknown) => process.send!(m);
const secret = new TextEncoder().encode(process.env['BENCH_JWT_SECRET']);
const ttl = Number(process.env['BENCH_TTL_SECONDS'] ?? 3600);
const accounts = JSON.parse(readFileSync(accountsFile, 'utf8')) as Database['users'][];
const sockets: Socket[] = [];
let pulls = 0;

await Promise.all(
  accounts.map(async (row) => {
    // The session bench/sync-data.ts made for the agent has the agent's id.
    const token = await signAccessToken(secret, toUser(row), row.id, ttl, new Date());
    const socket = connectSocket(url, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 1000,
    });
    sockets.push(socket);
    let cursor = Number(headText);
    let pulling = false;
    let again = false;
    const pull = async () => {
      if (pulling) {
        again = true;
        return;
      }
      pulling = true;
      try {
        do {
          again = false;
          const ack = (await socket
            .timeout(30_000)
            .emitWithAck(SocketEvents.pull, { cursor, limit: 1000 })
            .catch(() => null)) as { ok: boolean; data?: { cursor: number; hasMore: boolean } } | null;
          pulls++;
          if (ack?.ok && ack.data) {
            cursor = ack.data.cursor;
            if (ack.data.hasMore) again = true;
          }
        } while (again && socket.connected);
      } finally {
        pulling = false;
      }
    };
    // As the desktop engine does: a poke carrying the changes right after this cursor stands in for the pull.
    socket.on(SocketEvents.poke, (poke: { head: number; from?: number; changes?: unknown[] }) => {
      if (!pulling && poke.changes && poke.from === cursor) cursor = poke.head;
      else void pull();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  }),
);
send({ connected: sockets.length });
process.on('message', (m) => {
  if (m === 'count') send({ pulls });
});
process.on('disconnect', () => {
  for (const s of sockets) s.close();
  process.exit(0);
});

import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import type { SyncConnection } from '../../../src/main/sync';
import { pushAll, type Refusal } from '../../../src/main/sync/push';
import type { PushRequest } from '../../../src/shared/protocol/sync';
import { customer, tempDir, ticket, up } from '../fixtures';

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
afterEach(() => {
  store?.close();
  dir?.remove();
});

/**
 * Found by the sync simulation (tests/sim): a refusal in one batch undoes the edit and drops it from the
 * outbox; when a later batch then failed in transit, pushAll threw and the refusal was never reported, so
 * the agent was told nothing and the screen not refreshed.
 */
describe('a refusal followed by a failure in transit', () => {
  it('is reported before the push fails', async () => {
    dir = tempDir();
    store = openStore(join(dir.path, 'r.sqlite'));
    const c = customer();
    const t = ticket(c.id, { status: 'open', priority: 'normal' });
    store.write.applyPage([up.customer(c), up.ticket(t)], 100, 100, new Date().toISOString());
    const refusedEdit = uuidv7();
    store.write.updateTicketLocally(t.id, { priority: 'urgent' }, refusedEdit, new Date().toISOString());
    store.write.updateTicketLocally(t.id, { subject: 'Later' }, uuidv7(), new Date().toISOString());

    let calls = 0;
    const conn: SyncConnection = {
      connected: true,
      async request(_event, payload) {
        if (++calls > 1) throw new Error('operation has timed out');
        const [m] = (payload as PushRequest).mutations;
        return {
          ok: true,
          data: {
            results: [
              { id: m!.id, status: 'rejected', error: { code: 'conflict', message: 'Changed meanwhile.' } },
            ],
          },
        };
      },
      on: () => undefined,
      connect: () => undefined,
      close: () => undefined,
    };
    const told: Refusal[] = [];
    await expect(
      pushAll(conn, store, { batchSize: 1, timeoutMs: 1000, onRejected: (r) => told.push(r) }),
    ).rejects.toThrow(/timed out/);
    expect(told.map((r) => [r.id, r.message])).toEqual([[refusedEdit, 'Changed meanwhile.']]);
    expect(store.read.getTicket(t.id)).toMatchObject({ priority: 'normal', subject: 'Later' });
    expect(store.read.pendingCount()).toBe(1);
  });
});

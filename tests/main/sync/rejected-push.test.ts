import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import { SyncEngine, type SyncConnection } from '../../../src/main/sync';
import type { PushRequest } from '../../../src/shared/protocol/sync';
import { AGENT_A1, customer, tempDir, ticket, up } from '../fixtures';
import { waitFor } from './helpers';

/**
 * A server that refuses a change (here: the ticket was closed meanwhile) must not leave the agent's
 * screen showing it as done. The connection below speaks the sync protocol in memory.
 */
function refusingServer(): { connect: () => SyncConnection; pushes: PushRequest[] } {
  const pushes: PushRequest[] = [];
  const handlers: Record<string, (...a: unknown[]) => void> = {};
  return {
    pushes,
    connect: () => ({
      connected: true,
      async request(event, payload) {
        if (event === 'sync:pull')
          return { ok: true, data: { changes: [], cursor: 100, hasMore: false, head: 100 } };
        // Only the sync protocol: the engine's agent state request on connect is told there is none.
        if (event !== 'sync:push') return { ok: false, error: { code: 'not_found', message: 'No agent.' } };
        const req = payload as PushRequest;
        pushes.push(req);
        return {
          ok: true,
          data: {
            results: req.mutations.map((m) =>
              m.name === 'ticket.update'
                ? {
                    id: m.id,
                    status: 'rejected',
                    error: { code: 'conflict', message: 'This ticket is closed.' },
                  }
                : m.name === 'customer.create' || m.name === 'ticket.create'
                  ? {
                      id: m.id,
                      status: 'rejected',
                      error: { code: 'bad_request', message: 'Customers are created in a department.' },
                    }
                  : { id: m.id, status: 'applied', version: 101 },
            ),
          },
        };
      },
      on: ((event: string, fn: (...a: unknown[]) => void) => {
        handlers[event] = fn;
      }) as SyncConnection['on'],
      connect: () => queueMicrotask(() => handlers['connect']?.()),
      close: () => undefined,
    }),
  };
}

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
afterEach(() => {
  store?.close();
  dir?.remove();
});

async function syncOnce(server: ReturnType<typeof refusingServer>) {
  const events: { event: string; payload: unknown }[] = [];
  const engine = new SyncEngine({
    serverUrl: 'http://127.0.0.1:1',
    userId: AGENT_A1,
    store,
    accessToken: 'token',
    refreshToken: 'refresh-token',
    refresh: () => Promise.reject(new Error('not expected')),
    emit: (event, payload) => events.push({ event, payload }),
    connect: server.connect,
  });
  engine.start();
  await waitFor(
    async () => engine.status().state === 'online' && engine.status().pending === 0,
    'outbox drained',
  );
  await engine.stop();
  return { engine, events };
}

describe('a refused push', () => {
  it('undoes the refused edit, keeps the applied comment, and says why', async () => {
    dir = tempDir();
    store = openStore(join(dir.path, 'r.sqlite'));
    const c = customer();
    const t = ticket(c.id, { status: 'open', priority: 'normal' });
    store.write.applyPage([up.customer(c), up.ticket(t)], 100, 100, new Date().toISOString());
    store.write.updateTicketLocally(t.id, { priority: 'urgent' }, uuidv7(), new Date().toISOString());
    store.write.addCommentLocally(
      {
        id: uuidv7(),
        ticketId: t.id,
        authorId: null,
        authorName: 'A',
        body: 'kept',
        internal: false,
        createdAt: new Date().toISOString(),
      },
      uuidv7(),
    );

    const server = refusingServer();
    const { engine, events } = await syncOnce(server);

    expect(server.pushes[0]!.mutations.map((m) => m.name)).toEqual(['ticket.update', 'ticket.comment']);
    const detail = store.read.getTicketDetail(t.id)!;
    expect(detail.ticket).toMatchObject({ priority: 'normal', syncState: 'synced' });
    expect(detail.comments.map((x) => [x.body, x.syncState])).toEqual([['kept', 'synced']]);
    expect(engine.status().lastError).toMatch(/This ticket is closed/);
    expect(
      events.some(
        (e) => e.event === 'data.changed' && (e.payload as { ticketIds: string[] }).ticketIds.includes(t.id),
      ),
    ).toBe(true);
  });

  it('takes back a refused new customer with the ticket made for it, and says why', async () => {
    dir = tempDir();
    store = openStore(join(dir.path, 'r.sqlite'));
    const c = customer({ name: 'Refused Rita', version: 0 });
    store.write.createCustomerLocally(c, uuidv7());
    const t = ticket(c.id, { number: null, version: 0, subject: 'For Rita' });
    store.write.createTicketLocally(t, null, uuidv7());

    const { engine, events } = await syncOnce(refusingServer());
    expect(store.read.getCustomer(c.id)).toBeNull();
    expect(store.read.getTicketDetail(t.id)).toBeNull();
    expect(store.read.searchCustomers('Rita', 10).total).toBe(0);
    expect(engine.status().lastError).toMatch(/Customers are created in a department/);
    const changed = events.filter((e) => e.event === 'data.changed').map((e) => e.payload);
    expect(changed).toContainEqual(
      expect.objectContaining({ ticketIds: [t.id], customerIds: [c.id], all: false }),
    );
  });
});

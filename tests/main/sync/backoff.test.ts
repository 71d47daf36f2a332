import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reopenTestServer, startTestServer, type TestServer } from '../../server/helpers';
import { tempDir } from '../fixtures';
import { apiLogin, desktop, serverTicket, waitFor } from './helpers';

/**
 * An agent whose server went away must be back within a few seconds of its return: however many tries failed,
 * the next one is never scheduled more than 5 s ahead (it was up to ~19 s: 15 s plus jitter).
 */
let dir: ReturnType<typeof tempDir>;
let server: TestServer;

beforeAll(async () => {
  dir = tempDir('sb-backoff-');
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  dir?.remove();
});

describe('reconnect backoff', () => {
  it('never schedules the next try more than 5 s ahead, and reconnects on its own to push what waited', async () => {
    const d = desktop(dir.path, { deviceId: 'backoff' });
    try {
      await d.call('auth.login', {
        serverUrl: server.url,
        username: 'agent01',
        password: 'switchboard',
        remember: false,
      });
      await d.waitSynced();
      const t = (await d.call('tickets.search', { status: ['new', 'open'], limit: 1 })).rows[0]!;
      await server.close();
      await d.call('tickets.update', { id: t.id, patch: { subject: 'Typed while the server was down' } });

      // Each failed try (ten of them, asked for at once so the test does not wait out the delays) schedules
      // the next; the backoff grows with the failures, and must stop growing at the cap.
      const ahead: number[] = [];
      for (let i = 0; i < 10; i++) {
        await d.call('sync.retryNow', {});
        let next: string | null = null;
        await waitFor(async () => {
          const s = await d.call('sync.status', {});
          next = s.state === 'offline' ? s.nextRetryAt : null;
          return next !== null;
        }, 'the next try to be scheduled');
        ahead.push(Date.parse(next!) - Date.now());
      }
      expect(Math.max(...ahead)).toBeLessThanOrEqual(5000);

      server = await reopenTestServer(server);
      await d.waitSynced();
      const { accessToken } = await apiLogin(server.url, 'agent01');
      expect((await serverTicket(server.url, accessToken, t.id)).ticket.subject).toBe(
        'Typed while the server was down',
      );
    } finally {
      await d.services.dispose();
    }
  }, 90_000);
});

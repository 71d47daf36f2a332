import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer } from '../../../src/server/app';
import { EncryptorVault } from '../../../src/main/vault';
import { aesEncryptor, tempDir } from '../fixtures';
import { desktop, waitFor } from './helpers';

/** Short-lived access tokens: the engine must refresh on its own, and end the session when it cannot. */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  dir = tempDir('sb-token-');
  server = await startServer({
    port: 0,
    dbPath: join(dir.path, 'server.sqlite'),
    seed: 'demo',
    accessTokenTtlSeconds: 2,
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  dir?.remove();
});

describe('token handling', () => {
  it('refreshes an expired access token and keeps pushing, then ends the session when the refresh token is revoked', async () => {
    const vault = new EncryptorVault(aesEncryptor(), join(dir.path, 'd'));
    const d = desktop(join(dir.path, 'd'), { vault, deviceId: 'short-tokens' });
    await d.call('auth.login', {
      serverUrl: server.url,
      username: 'agent06',
      password: 'switchboard',
      remember: true,
    });
    await d.waitSynced();
    const first = JSON.parse((await vault.get('short-tokens'))!) as { refreshToken: string };

    await new Promise((r) => setTimeout(r, 2500)); // the access token has expired now
    const t = (await d.call('tickets.search', { status: ['new', 'open'], limit: 1 })).rows[0]!;
    await d.call('tickets.update', { id: t.id, patch: { priority: 'high' } });
    await d.waitSynced();
    // The refresh token rotated, and the vault holds the new one.
    const afterPush = JSON.parse((await vault.get('short-tokens'))!) as { refreshToken: string };
    expect(afterPush.refreshToken).not.toBe(first.refreshToken);

    // A REST call made after the access token expired refreshes it once and succeeds.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await d.call('voice.credentials', {})).toMatchObject({ extension: '1006' });
    const second = JSON.parse((await vault.get('short-tokens'))!) as { refreshToken: string };
    expect(second.refreshToken).not.toBe(afterPush.refreshToken);

    // Signing out elsewhere revokes the token: at the next expiry the desktop is told the session ended.
    await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: second.refreshToken }),
    });
    await new Promise((r) => setTimeout(r, 2500));
    await d.call('tickets.update', { id: t.id, patch: { priority: 'low' } }).catch(() => undefined);
    await waitFor(async () => d.events.some((e) => e.event === 'session.ended'), 'session.ended', 20_000);
    expect(await vault.get('short-tokens')).toBeNull();
    await waitFor(
      async () =>
        (await d.services.invoke('session.get', {})).ok && (await d.call('session.get', {})) === null,
      'signed out',
    );
    await d.services.dispose();
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createVault,
  EncryptorVault,
  KeytarVault,
  NoVault,
  type CredentialVault,
} from '../../../src/main/vault';
import { aesEncryptor, tempDir } from '../fixtures';

const dirs: ReturnType<typeof tempDir>[] = [];
const dir = () => {
  const d = tempDir('sb-vault-');
  dirs.push(d);
  return d.path;
};
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const noKeychain: CredentialVault = new NoVault();
const root = join(import.meta.dirname, '../../..');

describe('credential vault', () => {
  it('EncryptorVault keeps only ciphertext on disk and round-trips secrets', async () => {
    const d = dir();
    const vault = new EncryptorVault(aesEncryptor(), d);
    expect(await vault.available()).toBe(true);
    await vault.set('device-1', '{"refreshToken":"very-secret-token"}');
    await vault.set('device-2', 'other');
    expect(await vault.get('device-1')).toBe('{"refreshToken":"very-secret-token"}');
    const onDisk = readFileSync(join(d, 'credentials.enc.json'), 'utf8');
    expect(onDisk).not.toContain('very-secret-token');
    await vault.delete('device-1');
    expect(await vault.get('device-1')).toBeNull();
    expect(await vault.get('device-2')).toBe('other');
  });

  it('EncryptorVault refuses to store when encryption is unavailable, writing nothing', async () => {
    const d = dir();
    const vault = new EncryptorVault(aesEncryptor(false), d);
    expect(await vault.available()).toBe(false);
    await expect(vault.set('k', 'secret')).rejects.toThrow(/not available/);
    expect(existsSync(join(d, 'credentials.enc.json'))).toBe(false);
  });

  it('a secret encrypted under another key reads as absent, not as garbage', async () => {
    const d = dir();
    await new EncryptorVault(aesEncryptor(), d).set('k', 'secret');
    expect(await new EncryptorVault(aesEncryptor(), d).get('k')).toBeNull();
  });

  it('createVault picks the keychain, else the encryptor, else none', async () => {
    const fakeKeychain = new EncryptorVault(aesEncryptor(), dir());
    expect(
      (await createVault({ dataDir: dir(), keychain: fakeKeychain, encryptor: aesEncryptor() })).kind,
    ).toBe('safeStorage');
    expect(await createVault({ dataDir: dir(), keychain: fakeKeychain })).toBe(fakeKeychain);
    expect(
      (await createVault({ dataDir: dir(), keychain: noKeychain, encryptor: aesEncryptor() })).kind,
    ).toBe('safeStorage');
    const none = await createVault({ dataDir: dir(), keychain: noKeychain, encryptor: aesEncryptor(false) });
    expect(none.kind).toBe('none');
    expect(await none.available()).toBe(false);
    await expect(none.set('k', 'v')).rejects.toThrow();
  });

  it('keytar reports unavailable (instead of failing) where there is no Secret Service', async () => {
    // This test process has no session bus of its own (vitest runs without DBUS_SESSION_BUS_ADDRESS here).
    if (process.env['DBUS_SESSION_BUS_ADDRESS']) return;
    expect(await new KeytarVault('SwitchboardTest').available()).toBe(false);
  });

  // .ci/run installs dbus and gnome-keyring, so in CI this always runs (and fails if they are missing);
  // on a developer machine without them it is skipped rather than failing for a missing package.
  const hasKeyring = existsSync('/usr/bin/dbus-run-session') && existsSync('/usr/bin/gnome-keyring-daemon');
  it.skipIf(!hasKeyring && !process.env['CI'])(
    'keytar stores, reads and deletes in a real (headless) GNOME keyring',
    () => {
      const home = dir();
      const runtime = join(home, 'run');
      mkdirSync(runtime, { mode: 0o700 });
      const script = join(home, 'probe.mts');
      writeFileSync(
        script,
        `import { KeytarVault } from ${JSON.stringify(join(root, 'src/main/vault'))};
       const v = new KeytarVault('SwitchboardTest');
       const ok = await v.available();
       await v.set('device', 'secret-1');
       const got = await v.get('device');
       await v.delete('device');
       console.log(JSON.stringify({ ok, got, after: await v.get('device') }));`,
      );
      const r = spawnSync(
        'dbus-run-session',
        [
          '--',
          'bash',
          '-c',
          `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "${join(root, 'node_modules/.bin/tsx')}" "${script}"`,
        ],
        {
          env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtime },
          encoding: 'utf8',
          timeout: 30_000,
          cwd: root,
        },
      );
      const last = r.stdout.trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(last), r.stderr).toEqual({ ok: true, got: 'secret-1', after: null });
    },
  );
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { PlatformPackager } from 'app-builder-lib';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { DebugLogger } from 'builder-util';

const root = join(import.meta.dirname, '../..');

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema and names every target the desktop ships as', async () => {
    const config = await getConfig(root, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
  });

  it('refers only to files that exist in the repository', async () => {
    const config = await getConfig(root, null, null);
    for (const file of [config.linux?.icon, config.mac?.entitlementsInherit]) {
      expect(file && existsSync(join(root, file)), String(file)).toBe(true);
    }
  });

  it('flips the Electron fuses that keep the shipped binary from running anything but our asar', async () => {
    const config = await getConfig(root, null, null);
    expect(config.asar).not.toBe(false);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    // What electron-builder writes into the binary, by @electron/fuses' own wire numbers: every fuse of
    // this Electron is set explicitly, none left to Electron's default.
    // (generateFuseConfig is private in the typings; it is the function the packager itself calls.)
    const wire = await PlatformPackager.prototype['generateFuseConfig'].call(null, config.electronFuses!);
    expect(wire).toMatchObject({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    const fuseCount = Object.values(FuseV1Options).filter((v) => typeof v === 'number').length;
    expect(Object.keys(wire).filter((k) => /^\d+$/.test(k))).toHaveLength(fuseCount);
  });

  it('rejects a misspelt option, so the schema check can fail', async () => {
    const config = { ...(await getConfig(root, null, null)), linx: {} } as never;
    await expect(validateConfiguration(config, new DebugLogger(false))).rejects.toThrow(/linx/);
  });
});

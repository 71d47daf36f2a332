import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
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

  it('rejects a misspelt option, so the schema check can fail', async () => {
    const config = { ...(await getConfig(root, null, null)), linx: {} } as never;
    await expect(validateConfiguration(config, new DebugLogger(false))).rejects.toThrow(/linx/);
  });
});

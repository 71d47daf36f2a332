import { SwitchboardError } from '../../shared/protocol/errors';
import type { CredentialVault } from './types';

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

export const KEYTAR_SERVICE = 'Switchboard';

/**
 * The OS keychain through keytar (Secret Service on Linux, Keychain on macOS, Credential Vault on
 * Windows). keytar is an optional dependency, and on a machine without a running Secret Service every
 * call fails: available() finds both out with a harmless read.
 */
export class KeytarVault implements CredentialVault {
  readonly kind = 'keytar';
  private keytar: Promise<Keytar | null> | null = null;
  private probe: Promise<boolean> | null = null;

  constructor(private readonly service = KEYTAR_SERVICE) {}

  private load(): Promise<Keytar | null> {
    this.keytar ??= import('keytar').then(
      (m) => ((m as { default?: Keytar }).default ?? (m as unknown as Keytar)) as Keytar,
      () => null,
    );
    return this.keytar;
  }

  available(): Promise<boolean> {
    this.probe ??= (async () => {
      const k = await this.load();
      if (!k) return false;
      try {
        // A keychain that is missing or locked rejects (or hangs on a D-Bus timeout): bound it.
        await Promise.race([
          k.getPassword(this.service, '__probe__'),
          new Promise((_, reject) => setTimeout(() => reject(new Error('keychain timeout')), 3000).unref()),
        ]);
        return true;
      } catch {
        return false;
      }
    })();
    return this.probe;
  }

  private async need(): Promise<Keytar> {
    const k = (await this.available()) ? await this.load() : null;
    if (!k) throw new SwitchboardError('unavailable', 'The system keychain is not available.');
    return k;
  }

  async get(key: string): Promise<string | null> {
    return (await this.need()).getPassword(this.service, key);
  }

  async set(key: string, secret: string): Promise<void> {
    await (await this.need()).setPassword(this.service, key, secret);
  }

  async delete(key: string): Promise<void> {
    await (await this.need()).deletePassword(this.service, key);
  }
}

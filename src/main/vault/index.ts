import { EncryptorVault } from './encryptor-vault';
import { KeytarVault } from './keytar-vault';
import type { CredentialVault, Encryptor } from './types';

export type { CredentialVault, Encryptor } from './types';
export { KeytarVault, KEYTAR_SERVICE } from './keytar-vault';
export { EncryptorVault } from './encryptor-vault';

/** No secure place for secrets: remember-me is refused rather than stored in plain text. */
export class NoVault implements CredentialVault {
  readonly kind = 'none';
  async available(): Promise<boolean> {
    return false;
  }
  async get(): Promise<string | null> {
    return null;
  }
  async set(): Promise<void> {
    throw new Error('No secure credential storage on this system.');
  }
  async delete(): Promise<void> {}
}

/**
 * The best vault this machine offers: the OS keychain, else the given encryptor (Electron's
 * safeStorage), else none.
 */
export async function createVault(opts: {
  dataDir: string;
  encryptor?: Encryptor;
  /** For tests: the keychain to try first. */
  keychain?: CredentialVault;
}): Promise<CredentialVault> {
  const keychain = opts.keychain ?? new KeytarVault();
  if (await keychain.available()) return keychain;
  if (opts.encryptor) {
    const v = new EncryptorVault(opts.encryptor, opts.dataDir);
    if (await v.available()) return v;
  }
  return new NoVault();
}

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { CredentialVault, Encryptor } from './types';

/**
 * Secrets encrypted by an Encryptor (Electron's safeStorage: the OS keeps the key) and stored as
 * base64 ciphertext in one JSON file in the data directory. Nothing is written unless encryption is
 * available, so a secret never touches the disk in plain text.
 */
export class EncryptorVault implements CredentialVault {
  readonly kind = 'safeStorage';
  private readonly file: string;

  constructor(
    private readonly encryptor: Encryptor,
    dataDir: string,
  ) {
    this.file = join(dataDir, 'credentials.enc.json');
  }

  async available(): Promise<boolean> {
    try {
      return this.encryptor.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  private async readAll(): Promise<Record<string, string>> {
    // Ciphertext only, but still the agent's: owner-only also where it was written with looser modes.
    await chmod(this.file, 0o600).catch(() => undefined);
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private async writeAll(all: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await chmod(dirname(this.file), 0o700);
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
    await chmod(tmp, 0o600); // a leftover tmp keeps the mode it was created with
    await rename(tmp, this.file);
  }

  async get(key: string): Promise<string | null> {
    const enc = (await this.readAll())[key];
    if (!enc || !(await this.available())) return null;
    try {
      return this.encryptor.decryptString(Buffer.from(enc, 'base64'));
    } catch {
      return null; // encrypted under another OS key (profile moved): as good as absent
    }
  }

  async set(key: string, secret: string): Promise<void> {
    if (!(await this.available())) {
      throw new SwitchboardError('unavailable', 'Secure storage is not available on this system.');
    }
    const all = await this.readAll();
    all[key] = this.encryptor.encryptString(secret).toString('base64');
    await this.writeAll(all);
  }

  async delete(key: string): Promise<void> {
    const all = await this.readAll();
    if (!(key in all)) return;
    delete all[key];
    await this.writeAll(all);
  }
}

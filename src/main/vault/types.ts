/** Where a remembered refresh token lives. Implementations never fall back to plain text. */
export interface CredentialVault {
  /** Whether secrets can be stored here at all (a keychain answers, safeStorage can encrypt). */
  available(): Promise<boolean>;
  readonly kind: string;
  get(key: string): Promise<string | null>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The shape of Electron's safeStorage, which the Electron shell passes in. */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

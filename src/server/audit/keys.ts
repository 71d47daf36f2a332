import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isPostgresUrl } from '../db/open';

/** A checkpoint as it is signed, stored (audit_checkpoints) and anchored (one JSON line per checkpoint). */
export interface Checkpoint {
  /** 0: the chain's signed start; then 1, 2, ... */
  id: number;
  chainId: string;
  /** The chain position it covers (0 for the start). */
  seq: number;
  /** The hash of the record at `seq` (GENESIS for the start). */
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

/** The bytes a checkpoint's signature covers; versioned so a later format cannot be mistaken for this one. */
export function checkpointMessage(c: Omit<Checkpoint, 'keyId' | 'signature'>): Buffer {
  return Buffer.from(`switchboard-audit-checkpoint/1\n${c.chainId}\n${c.id}\n${c.seq}\n${c.hash}\n${c.at}`);
}

/** A short name of a public key: the first 16 hex digits of the SHA-256 of its DER form. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function checkSignature(publicKey: KeyObject, c: Checkpoint): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface AuditSigner {
  publicKey: KeyObject;
  keyId: string;
  /** Where each checkpoint is also appended (outside the database); null: not anchored (in-memory store). */
  anchorsPath: string | null;
  sign(c: Omit<Checkpoint, 'keyId' | 'signature'>): Checkpoint;
}

export interface AuditKeyPaths {
  key: string;
  publicKey: string;
  anchors: string;
}

/**
 * Where the key lives: SWITCHBOARD_AUDIT_KEY, else beside a SQLite store (`<db>.audit-key.pem`, like its
 * `<db>.jwt-secret`), else in the data folder (.data/audit-key.pem) for a PostgreSQL store. Several nodes of
 * one PostgreSQL database must be given the same file. The public key (`.pub`) and the anchors
 * (`…anchors.jsonl`) sit beside it.
 */
export function auditKeyPaths(dbPath: string, configured = process.env.SWITCHBOARD_AUDIT_KEY): AuditKeyPaths {
  const key =
    configured ||
    (isPostgresUrl(dbPath) || dbPath === ':memory:'
      ? join('.data', 'audit-key.pem')
      : `${dbPath}.audit-key.pem`);
  const stem = key.replace(/\.pem$/, '');
  return {
    key,
    publicKey: `${stem}.pub`,
    anchors: join(dirname(key), `${basename(stem).replace(/key$/, '')}anchors.jsonl`),
  };
}

function signerOf(privateKey: KeyObject, anchorsPath: string | null): AuditSigner {
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    publicKey,
    keyId,
    anchorsPath,
    sign: (c) => ({
      ...c,
      keyId,
      signature: sign(null, checkpointMessage(c), privateKey).toString('base64'),
    }),
  };
}

/**
 * The signing key: read from its PEM file, or made on first start (owner-only, 0600) with its public key
 * beside it. Nodes starting together may both make one: the file is created exclusively, so the loser reads
 * the winner's.
 */
export function loadAuditSigner(paths: AuditKeyPaths): AuditSigner {
  if (!existsSync(paths.key)) {
    mkdirSync(dirname(paths.key), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(paths.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
        flag: 'wx',
      });
      chmodSync(paths.key, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(paths.key));
  } catch (e) {
    throw new Error(
      `The audit signing key ${paths.key} cannot be read (${e instanceof Error ? e.message : String(e)}); ` +
        'restore it from your backup: a new key would not match the checkpoints already signed.',
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`The audit signing key ${paths.key} is not an Ed25519 key.`);
  const signer = signerOf(privateKey, paths.anchors);
  const pem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(paths.publicKey) || readFileSync(paths.publicKey, 'utf8') !== pem)
    writeFileSync(paths.publicKey, pem, { mode: 0o644 });
  return signer;
}

/** A throwaway key for an in-memory store: checkpoints are signed, nothing is anchored. */
export function ephemeralAuditSigner(): AuditSigner {
  return signerOf(generateKeyPairSync('ed25519').privateKey, null);
}

/** A public key from a PEM file holding either the public key or the private key. */
export function readPublicKey(file: string): KeyObject {
  const text = readFileSync(file, 'utf8');
  return text.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(text)) : createPublicKey(text);
}

/**
 * Appends checkpoints to the anchors file, one JSON line each, synchronously: written after the checkpoint's
 * transaction committed, so the file never names a checkpoint the database never had.
 */
export function appendAnchors(path: string, checkpoints: readonly Checkpoint[]): void {
  if (checkpoints.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, checkpoints.map((c) => `${JSON.stringify(c)}\n`).join(''), { mode: 0o644 });
}

/** The anchors of one chain; lines that do not parse are returned as their line numbers. */
export function readAnchors(
  path: string,
  chainId: string | null,
): { anchors: Checkpoint[]; unreadable: number[] } {
  const anchors: Checkpoint[] = [];
  const unreadable: number[] = [];
  if (!existsSync(path)) return { anchors, unreadable };
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const c = JSON.parse(line) as Checkpoint;
        if (typeof c.seq !== 'number' || typeof c.hash !== 'string') throw new Error('not a checkpoint');
        if (chainId === null || c.chainId === chainId) anchors.push(c);
      } catch {
        unreadable.push(i + 1);
      }
    });
  return { anchors, unreadable };
}

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { Instant } from '../../shared/domain/ids';

/**
 * The triage model as the service gave it, kept in the server's folder beside the replicas (one model per
 * server, whoever signs in), so a desktop that starts offline still triages. Written whole to a temporary file
 * and renamed over the old one: a crash mid-write leaves the previous model, never half of one.
 */
export const CachedTriageModel = z.object({
  version: z.number().int().positive(),
  fetchedAt: Instant,
  threshold: z.number().min(0).max(1),
  /** The model itself, as the service serialised it (read by the model's own loader). */
  model: z.unknown(),
});
export type CachedTriageModel = z.infer<typeof CachedTriageModel>;

export const MODEL_FILE = 'triage-model.json';

/** The cache file of the server whose replica is at `replicaPath`. */
export const modelCachePath = (replicaPath: string) => join(dirname(replicaPath), MODEL_FILE);

export class TriageModelCache {
  constructor(readonly path: string) {}

  /** The kept model; null when there is none, or what is there cannot be read (it is then fetched again). */
  read(log?: (line: string) => void): CachedTriageModel | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return null;
    }
    try {
      const parsed = CachedTriageModel.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.model !== undefined) return parsed.data;
    } catch {
      // not JSON: said below
    }
    log?.(`triage: the kept model at ${this.path} cannot be read; it is fetched again when online`);
    return null;
  }

  write(entry: CachedTriageModel): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}

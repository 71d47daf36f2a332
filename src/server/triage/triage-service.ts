import type { User } from '../../shared';
import type { TriageModelInfo } from '../../shared/triage/api';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/schema';
import type { LlmConfig } from '../llm/config';
import { TriageLlmCheck } from './llm-check';
import { newestModelHead, storeModel } from './model-store';
import { getTriageSettings } from './settings';
import { correctedLines, defaultTriageDataDir, train } from './training';

export interface TriageServiceOptions {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  /** The shipped labelled set (default data/triage, or TRIAGE_DATA_DIR). */
  dataDir?: string;
  /** How often a node looks whether a scheduled retraining is due (default 10 minutes; 0: never). */
  checkEveryMs?: number;
  /** The optional LLM stage: when configured, it checks the service's predictions after their commit. */
  llm?: () => LlmConfig | null;
  /** Tells a department's desktops to pull (the LLM check changed a ticket). */
  poke?: (departments: string[]) => void;
  /** How often the LLM check looks for new predictions (default 2 s; 0: never). */
  llmCheckEveryMs?: number;
}

/**
 * The triage model's life on a node (src/server/triage/README.md): the first start of an installation trains
 * version 1 from the shipped data; retraining runs on demand and on the schedule of the settings, training on
 * the shipped lines plus the corrected tickets. Versions live in the database (every node triages with the
 * newest stored one); training happens outside any transaction and is stored only if no other node stored a
 * version meanwhile.
 */
export class TriageService {
  readonly dataDir: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private llmTimer: NodeJS.Timeout | null = null;
  private llmRunning: Promise<unknown> = Promise.resolve();
  /** The optional LLM check of predictions (null without an LLM stage). */
  readonly llmCheck: TriageLlmCheck | null;

  constructor(private readonly o: TriageServiceOptions) {
    this.dataDir = o.dataDir ?? defaultTriageDataDir();
    this.llmCheck = o.llm
      ? new TriageLlmCheck({ db: o.db, now: o.now, log: o.log, llm: o.llm, poke: o.poke ?? (() => {}) })
      : null;
  }

  /** Trains and stores version 1 when no model is stored; then keeps the schedule. */
  async start(): Promise<void> {
    if (!(await newestModelHead(this.o.db))) {
      try {
        const info = await this.retrain(null);
        if (info) this.o.log(`triage: trained model version ${info.version} from ${info.trainedLines} lines`);
      } catch (e) {
        this.o.log(
          `triage: no model (${e instanceof Error ? e.message : String(e)}); tickets go in untriaged`,
        );
      }
    }
    const every = this.o.checkEveryMs ?? 10 * 60_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.running = this.retrainIfDue().catch((e: unknown) =>
          this.o.log(`triage: scheduled retraining failed: ${String(e)}`),
        );
      }, every);
      this.timer.unref();
    }
    const llmEvery = this.o.llmCheckEveryMs ?? 2000;
    const check = this.llmCheck;
    if (check && llmEvery > 0 && this.o.llm?.()) {
      this.llmTimer = setInterval(() => {
        // One pass at a time: a slow model server makes the next pass wait, not pile up.
        this.llmRunning = this.llmRunning.then(() =>
          check.checkRecent().catch((e: unknown) => this.o.log(`triage: LLM check failed: ${String(e)}`)),
        );
      }, llmEvery);
      this.llmTimer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.llmTimer) clearInterval(this.llmTimer);
    await this.running;
    await this.llmRunning;
  }

  /**
   * Trains a new version from the shipped data and the corrections and stores it; audited as `triage.retrain`
   * (by the user, or by the service when `by` is null). Undefined when another node stored a version while this
   * one trained (theirs stands).
   */
  async retrain(by: User | null): Promise<TriageModelInfo | undefined> {
    const db = this.o.db;
    const basedOn = (await newestModelHead(db))?.version ?? null;
    const corrections = await correctedLines(db);
    const trained = train(this.dataDir, corrections);
    const at = this.o.now().toISOString();
    return db.transaction().execute(async (trx) => {
      const info = await storeModel(trx, { ...trained, trainedBy: by?.id ?? null, at }, basedOn);
      if (info) {
        await writeAudit(trx, {
          at,
          actorId: by?.id ?? null,
          source: by ? null : 'triage-schedule',
          action: 'triage.retrain',
          subjectId: String(info.version),
          detail: {
            version: info.version,
            trainedLines: info.trainedLines,
            correctionsUsed: info.correctionsUsed,
            metrics: info.metrics,
          },
        });
      }
      return info;
    });
  }

  /**
   * The schedule: retrains when the newest version is older than the setting's hours and a correction came
   * after it (nothing new to learn otherwise).
   */
  async retrainIfDue(): Promise<TriageModelInfo | undefined> {
    const db = this.o.db;
    const { retrainEveryHours } = await getTriageSettings(db);
    if (retrainEveryHours === 0) return undefined;
    const head = await newestModelHead(db);
    if (!head) return this.retrain(null);
    if (Date.parse(head.created_at) + retrainEveryHours * 3_600_000 > this.o.now().getTime())
      return undefined;
    const newer = await db
      .selectFrom('triage_corrections')
      .select('id')
      .where('at', '>', head.created_at)
      .limit(1)
      .executeTakeFirst();
    return newer ? this.retrain(null) : undefined;
  }
}

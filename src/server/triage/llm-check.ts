import type { Ticket } from '../../shared';
import { ticketFromColumns } from '../../shared/storage/columns';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/schema';
import type { LlmConfig } from '../llm/config';
import { checkTriage } from '../llm/triage-check';
import { getTicket, saveTicket } from '../tickets/ticket-store';
import { triageText } from './triage-ticket';

/** How far back a node looks for tickets the service triaged and the LLM has not checked. */
const WINDOW_MS = 10 * 60_000;
const BATCH = 20;

export interface TriageLlmCheckOptions {
  db: Db;
  now: () => Date;
  log: (line: string) => void;
  llm: () => LlmConfig | null;
  /** Tells a department's desktops to pull (a checked ticket changed). */
  poke: (departments: string[]) => void;
}

/**
 * The optional LLM check of the service's triage (issue 15): after a ticket is triaged in the transaction that
 * inserts it, the configured model is asked whether it agrees (src/server/llm/triage-check.ts, given only the
 * ticket's words and the labels). Agreement marks the prediction `llm_checked`; disagreement sends the ticket to
 * the triage queue for a person (the labels stay the local model's: the LLM only checks); a time-out or failure
 * changes nothing, the local prediction stands and the log says why. It runs after the commit, never inside it,
 * so a slow model server never holds a ticket's insert. Tickets are found by a short look-back over recent ones,
 * so every channel's tickets are covered without a hook in each; a node remembers what it asked.
 */
export class TriageLlmCheck {
  private readonly asked = new Set<string>();

  constructor(private readonly o: TriageLlmCheckOptions) {}

  /** Checks the recent service-triaged tickets not yet asked about; resolves with how many were asked. */
  async checkRecent(): Promise<number> {
    const config = this.o.llm();
    if (!config) return 0;
    const since = new Date(this.o.now().getTime() - WINDOW_MS).toISOString();
    const rows = await this.o.db
      .selectFrom('tickets')
      .selectAll()
      .where('created_at', '>=', since)
      .where('triage', 'like', '%"source":"service"%')
      .orderBy('created_at')
      .limit(BATCH + this.asked.size)
      .execute();
    let n = 0;
    for (const row of rows) {
      if (n >= BATCH) break;
      const t = ticketFromColumns(row);
      if (this.asked.has(t.id) || t.triage?.source !== 'service') continue;
      this.asked.add(t.id);
      n++;
      await this.checkOne(t, config);
    }
    // Ids older than the window cannot come back: forget them so the set stays small.
    if (this.asked.size > 10_000) this.asked.clear();
    return n;
  }

  private async checkOne(t: Ticket, config: LlmConfig): Promise<void> {
    const p = t.triage!;
    const r = await checkTriage(config, {
      text: triageText(t),
      prediction: { department: p.department.value, category: p.category.value, priority: p.priority.value },
    });
    if (r.llm !== 'used' || !r.verdict) {
      this.o.log(`triage: LLM check of ticket ${t.id} ${r.llm}; the local prediction stands`);
      return;
    }
    const at = this.o.now().toISOString();
    const changed = await this.o.db.transaction().execute(async (trx) => {
      const cur = await getTicket(trx, t.id);
      // Changed meanwhile (corrected, confirmed, retriaged): a person's or a newer decision is not overruled.
      if (!cur?.triage || cur.triage.source !== 'service' || cur.triage.at !== p.at) return null;
      const triage =
        r.verdict === 'agree'
          ? { ...cur.triage, source: 'llm_checked' as const }
          : { ...cur.triage, needsReview: true };
      if (r.verdict === 'disagree' && cur.triage.needsReview) return null;
      await saveTicket(trx, { ...cur, triage, updatedAt: at });
      await writeAudit(trx, {
        at,
        actorId: null,
        action: 'triage.llm_check',
        subjectId: cur.id,
        detail: { verdict: r.verdict, suggestion: r.suggestion, modelVersion: cur.triage.modelVersion },
      });
      return cur.departmentId;
    });
    if (changed) this.o.poke([changed]);
  }
}

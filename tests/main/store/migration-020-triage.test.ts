import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/main/store/migrate';
import { migrations } from '../../../src/main/store/migrations';
import { ticketFromColumns, ticketToColumns, type TicketColumns } from '../../../src/shared/storage/columns';
import type { TriagePrediction } from '../../../src/shared/triage';
import { tempDir } from '../fixtures';

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const PREDICTION: TriagePrediction = {
  modelVersion: 3,
  at: '2026-12-05T08:00:00.000Z',
  department: { value: 'billing', confidence: 0.91 },
  category: { value: 'wrong_charge', confidence: 0.42 },
  priority: { value: 'high', confidence: 0.7 },
  selfService: { value: false, confidence: 0.8 },
  why: { department: [{ term: '扣款', weight: 1.2 }], category: [], priority: [], selfService: [] },
  article: null,
  needsReview: true,
  source: 'desktop',
};

/** Triage (issue 15): desktop migration 020 on a replica made under 019. */
describe('migration 020', () => {
  it('reads tickets kept before it as untriaged, keeps a prediction, finds the triage queue by index, and runs again harmlessly', () => {
    const d = tempDir();
    dirs.push(d);
    const db = new Database(join(d.path, 'r.sqlite'));
    migrate(db, migrations.slice(0, 19));
    db.prepare(
      `INSERT INTO tickets (id, seq, number, department_id, customer_id, subject, description, status, priority,
         assignee_id, created_at, updated_at, version) VALUES ('t1', 1, 1, 'd', 'c', 's', '', 'open', 'normal', NULL,
         '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`,
    ).run();
    migrate(db, migrations);
    const old = db.prepare("SELECT * FROM tickets WHERE id = 't1'").get() as TicketColumns;
    expect(ticketFromColumns(old)).toMatchObject({ category: null, triage: null });

    const triaged = { ...ticketFromColumns(old), category: 'wrong_charge' as const, triage: PREDICTION };
    const cols = ticketToColumns(triaged);
    db.prepare("UPDATE tickets SET category = ?, triage = ? WHERE id = 't1'").run(cols.category, cols.triage);
    const back = ticketFromColumns(
      db.prepare("SELECT * FROM tickets WHERE id = 't1'").get() as TicketColumns,
    );
    expect(back.category).toBe('wrong_charge');
    expect(back.triage).toEqual(PREDICTION);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE json_extract(triage, '$.needsReview') = 1")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('tickets_needs_triage');

    db.pragma('user_version = 19');
    migrate(db, migrations);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
  });
});

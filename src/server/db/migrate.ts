import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as m0001 from './migrations/0001-initial';
import * as m0002 from './migrations/0002-voice';
import * as m0003 from './migrations/0003-logged-calls';
import * as m0004 from './migrations/0004-customer-aliases';
import * as m0005 from './migrations/0005-sessions-and-sign-in-throttle';
import * as m0006 from './migrations/0006-history-device';
import * as m0008 from './migrations/0008-counters-and-secrets';
import * as m0009 from './migrations/0009-change-order';
import * as m0010 from './migrations/0010-audit-chain';
import * as m0011 from './migrations/0011-admin-config';
import * as m0012 from './migrations/0012-ticket-transfer';
import * as m0013 from './migrations/0013-ticket-channel';
import * as m0014 from './migrations/0014-ticket-sla';
import * as m0016 from './migrations/0016-ticket-tags-fields';
import * as m0017 from './migrations/0017-ticket-links';
import * as m0018 from './migrations/0018-ticket-delete';
import * as m0019 from './migrations/0019-sla-instants';
import * as m0020 from './migrations/0020-customer-identities';
// Intake (issue 13: messaging webhooks, API keys, customer merge).
import * as m0023 from './migrations/0023-intake';
// Web chat (issue 13, chat area): 0021-0023 belong to the knowledge base, email and intake branches.
import * as m0024 from './migrations/0024-web-chat';
// Chat routing (issue 13, chat-routing helper).
import * as m0025 from './migrations/0025-chat-routing';
import * as m0026 from './migrations/0026-call-queue';
// Supervisors (issue 14, monitor helper): wallboard tokens, supervisor messages.
import * as m0027 from './migrations/0027-agent-state-truth';
import * as m0028 from './migrations/0028-supervisor';
// Reports (issue 14, reports helper).
import * as m0029 from './migrations/0029-reports';
// Knowledge base (issue 13, kb helper).
import * as m0021 from './migrations/0021-kb';
// email (issue 13)
import * as m0022 from './migrations/0022-email';
// Voice of the customer (issue 14, voc helper).
import * as m0030 from './migrations/0030-voc';
// Triage (issue 15, triage helper).
import * as m0031 from './migrations/0031-triage';
// Quality review (issue 15, quality helper).
import * as m0032 from './migrations/0032-quality';
import type { Db } from './schema';

/** Every migration, listed statically so bundling and tests see exactly what ships. Never edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-voice': m0002,
  '0003-logged-calls': m0003,
  '0004-customer-aliases': m0004,
  '0005-sessions-and-sign-in-throttle': m0005,
  '0006-history-device': m0006,
  // 0007 is taken by the sync-speed work on another branch.
  '0008-counters-and-secrets': m0008,
  '0009-change-order': m0009,
  '0010-audit-chain': m0010,
  '0011-admin-config': m0011,
  '0012-ticket-transfer': m0012,
  '0013-ticket-channel': m0013,
  '0014-ticket-sla': m0014,
  // 0015 was planned for role permissions, which needed no table (they live in admin_settings).
  '0016-ticket-tags-fields': m0016,
  '0017-ticket-links': m0017,
  '0018-ticket-delete': m0018,
  '0019-sla-instants': m0019,
  '0020-customer-identities': m0020,
  // Knowledge base (issue 13, kb helper): categories, audience, review state, tags of articles.
  '0021-kb': m0021,
  // email (issue 13): mailboxes, mail kept for threading, the reply outbox, attachments.
  '0022-email': m0022,
  // Intake (issue 13): messaging webhooks, API keys, customer merge.
  '0023-intake': m0023,
  // Web chat (issue 13, chat area).
  '0024-web-chat': m0024,
  // Chat routing (issue 13, chat-routing helper): offers, ticket links, transcripts, canned responses.
  '0025-chat-routing': m0025,
  '0026-call-queue': m0026,
  // One truthful agent state (issue 14, state helper): supervisor notes, phone readiness.
  '0027-agent-state-truth': m0027,
  // Supervisors (issue 14, monitor helper): wallboard tokens, supervisor messages.
  '0028-supervisor': m0028,
  // Reports (issue 14, reports helper): aggregates, their cursors, customer satisfaction.
  '0029-reports': m0029,
  // Voice of the customer (issue 14, voc helper): the change-log follower's cursor, contacts, postings, daily counts.
  '0030-voc': m0030,
  // Triage (issue 15, triage helper): ticket category and prediction, model versions, corrections.
  '0031-triage': m0031,
  // Quality review (issue 15, quality helper): rules, findings, samples, reviews.
  '0032-quality': m0032,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const result = await new Migrator({ db, provider }).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Database migration ${failed} failed: ${reason}`);
  }
  return result;
}

import type { Database, Statement } from 'better-sqlite3';
import { mergeLoggedCall, recordFromLog, wrapUpCall } from '../../shared/protocol/call-records';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { Mutation } from '../../shared/protocol/sync';
import type { Interaction, InteractionLog } from '../../shared/protocol/voice';
import { INTERACTION_COLUMNS, interactionToDb, type InteractionDbRow } from './interaction-rows';
import { interactionFromColumns } from '../../shared/storage/columns';

type CompleteArgs = Extract<Mutation, { name: 'interaction.complete' }>['args'];

interface PendingEntry {
  name: Mutation['name'];
  args: string;
  created_at: string;
}

/** Who a call logged on this desktop belongs to, and the customer it was matched to here. */
export interface LoggedBy {
  departmentId: string;
  agentId: string;
  customerId: string | null;
}

const withoutWrapUp = (i: Interaction): Interaction => ({
  ...i,
  disposition: null,
  notes: null,
  ticketId: null,
  completedAt: null,
});

/** A queued call mutation laid over a record, as the server will apply it. */
function overlay(i: Interaction, e: PendingEntry): Interaction {
  if (e.name === 'interaction.log') return mergeLoggedCall(i, JSON.parse(e.args) as InteractionLog);
  if (e.name === 'interaction.complete')
    return wrapUpCall(i, JSON.parse(e.args) as CompleteArgs, e.created_at);
  return i;
}

/**
 * Call records in the replica. Used by StoreWriter inside its transactions, on its one writing connection:
 * none of these methods opens a transaction of its own.
 */
export class InteractionWriter {
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    const cols = INTERACTION_COLUMNS.join(', ');
    const updates = INTERACTION_COLUMNS.filter((c) => c !== 'id')
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    this.s = {
      get: db.prepare('SELECT * FROM interactions WHERE id = ?'),
      alias: db.prepare('SELECT interaction_id FROM interaction_aliases WHERE id = ?').pluck(),
      byCall: db.prepare('SELECT * FROM interactions WHERE call_id = ? ORDER BY provisional, ring_at DESC'),
      upsert: db.prepare(
        `INSERT INTO interactions (${cols}) VALUES (${INTERACTION_COLUMNS.map((c) => `@${c}`).join(', ')})
         ON CONFLICT(id) DO UPDATE SET ${updates}`,
      ),
      delete: db.prepare('DELETE FROM interactions WHERE id = ?'),
      setBase: db.prepare('UPDATE interactions SET server_base = ? WHERE id = ?'),
      pending: db.prepare('SELECT name, args, created_at FROM outbox WHERE interaction_id = ? ORDER BY seq'),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (mutation_id, name, args, interaction_id, created_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      repointOutbox: db.prepare('UPDATE outbox SET interaction_id = ? WHERE interaction_id = ?'),
      dropOutbox: db.prepare('DELETE FROM outbox WHERE interaction_id = ?'),
      putAlias: db.prepare('INSERT OR REPLACE INTO interaction_aliases (id, interaction_id) VALUES (?, ?)'),
      repointAliases: db.prepare(
        'UPDATE interaction_aliases SET interaction_id = ? WHERE interaction_id = ?',
      ),
      dropAliases: db.prepare('DELETE FROM interaction_aliases WHERE interaction_id = ? OR id = ?'),
    };
  }

  private row(id: string): InteractionDbRow | undefined {
    return this.s.get!.get(id) as InteractionDbRow | undefined;
  }

  private pending(id: string): PendingEntry[] {
    return this.s.pending!.all(id) as PendingEntry[];
  }

  private save(i: Interaction, provisional: boolean, serverBase: string | null): void {
    this.s.upsert!.run(interactionToDb(i, { provisional, serverBase }));
  }

  /**
   * A server copy from a pull. This agent's provisional record of the same call (logged here while the
   * server had recorded it under its own id) is folded into it: its queued mutations and its id move over.
   * Unsent local changes are laid over the copy, which is kept aside until they are acknowledged. Returns
   * the ids of the rows that changed.
   */
  putServer(server: Interaction): string[] {
    const touched = [server.id];
    if (server.agentId !== null) {
      for (const p of this.s.byCall!.all(server.callId) as InteractionDbRow[]) {
        if (p.id === server.id || !p.provisional || p.agent_id !== server.agentId) continue;
        this.s.repointOutbox!.run(server.id, p.id);
        this.s.repointAliases!.run(server.id, p.id);
        this.s.putAlias!.run(p.id, server.id);
        this.s.delete!.run(p.id);
        touched.push(p.id);
      }
    }
    const current = this.row(server.id);
    const held = current?.server_base
      ? (JSON.parse(current.server_base) as Interaction)
      : current && !current.provisional
        ? interactionFromColumns(current)
        : null;
    // Pages arrive in version order; this only keeps a replayed, older page from going back in time.
    const base = held && held.version > server.version ? held : server;
    const pending = this.pending(server.id);
    this.save(pending.reduce(overlay, base), false, pending.length ? JSON.stringify(base) : null);
    return touched;
  }

  /**
   * A call recorded on this desktop. When the replica already has this agent's record of the call (a routed
   * call that arrived by sync, or an earlier log), the log is merged into it, as the server will; otherwise
   * it becomes a provisional record. Logging the same interactionId again queues nothing. Returns the id of
   * the row that holds the call.
   */
  log(log: InteractionLog, by: LoggedBy, mutationId: string, now: string): string {
    const known =
      (this.s.alias!.get(log.interactionId) as string | undefined) ?? this.row(log.interactionId)?.id;
    if (known) return known;
    const rows = this.s.byCall!.all(log.callId) as InteractionDbRow[];
    const mine = rows.find((r) => r.agent_id === by.agentId);
    if (mine) {
      const current = interactionFromColumns(mine);
      this.s.insertOutbox!.run(mutationId, 'interaction.log', JSON.stringify(log), mine.id, now);
      this.s.putAlias!.run(log.interactionId, mine.id);
      this.save(
        mergeLoggedCall(current, log),
        mine.provisional === 1,
        mine.provisional ? null : (mine.server_base ?? JSON.stringify(current)),
      );
      return mine.id;
    }
    if (rows.some((r) => !r.provisional)) {
      throw new SwitchboardError('conflict', 'This call is recorded for another agent.');
    }
    this.save({ ...recordFromLog(log, by), version: 0 }, true, null);
    this.s.insertOutbox!.run(mutationId, 'interaction.log', JSON.stringify(log), log.interactionId, now);
    return log.interactionId;
  }

  /** The agent's wrap-up of a call in the replica (by its own id, aliases resolved by the caller). */
  complete(id: string, args: CompleteArgs, mutationId: string, now: string): void {
    const row = this.row(id);
    if (!row) throw new Error(`interaction ${id} is not in the local store`);
    const current = interactionFromColumns(row);
    const queued: CompleteArgs = { ...args, interactionId: id };
    this.s.insertOutbox!.run(mutationId, 'interaction.complete', JSON.stringify(queued), id, now);
    this.save(
      wrapUpCall(current, args, now),
      row.provisional === 1,
      row.provisional ? null : (row.server_base ?? JSON.stringify(current)),
    );
  }

  /**
   * A mutation of this call was applied (its outbox row is already gone). With nothing else queued the kept
   * server copy goes; otherwise the copy now includes it, so undoing a later change does not undo this one
   * while the server's new version is on its way.
   */
  acknowledged(entry: PendingEntry & { interaction_id: string }): void {
    const row = this.row(entry.interaction_id);
    if (!row?.server_base) return;
    const base =
      this.pending(row.id).length === 0
        ? null
        : JSON.stringify(overlay(JSON.parse(row.server_base) as Interaction, entry));
    this.s.setBase!.run(base, row.id);
  }

  /**
   * A mutation of this call was refused (its outbox row is already gone). A refused log of a call the server
   * never had takes the provisional record with it, and the wrap-up queued for it; anything else is undone by
   * rebuilding the row from the kept server copy and what is still queued. Returns the ids that changed.
   */
  refused(entry: PendingEntry & { interaction_id: string }): string[] {
    const row = this.row(entry.interaction_id);
    if (!row) return [entry.interaction_id];
    const logId =
      entry.name === 'interaction.log' ? (JSON.parse(entry.args) as InteractionLog).interactionId : null;
    if (row.provisional && logId === row.id) {
      this.s.dropOutbox!.run(row.id);
      this.s.dropAliases!.run(row.id, row.id);
      this.s.delete!.run(row.id);
      return [row.id];
    }
    const base = row.server_base
      ? (JSON.parse(row.server_base) as Interaction)
      : row.provisional
        ? withoutWrapUp(interactionFromColumns(row))
        : interactionFromColumns(row);
    const pending = this.pending(row.id);
    this.save(pending.reduce(overlay, base), row.provisional === 1, pending.length ? row.server_base : null);
    return [row.id];
  }
}

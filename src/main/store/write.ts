import type { Database, Statement } from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import {
  fieldFromText,
  fieldText,
  type Customer,
  type Ticket,
  type TicketChange,
  type TicketComment,
} from '../../shared/domain';
import { NotSentCall, type NotSentItem } from '../../shared/ipc/contract';
import type { Change, FieldConflict, Mutation } from '../../shared/protocol/sync';
import type { Interaction, InteractionLog } from '../../shared/protocol/voice';
import { FtsIndex, ftsText, SEQ_SLOTS, ticketSeq } from './fts';
import { InteractionWriter, type LoggedBy } from './interaction-write';
import type { InteractionDbRow } from './interaction-rows';
import { applyPatch, type TicketDbRow } from './rows';
import { SlaWriter } from './sla';
import { ChatOutboxStore } from './chat-outbox'; // chat-outbox (issue 13)
import { META, type OutboxEntry } from './types';
import {
  commentToColumns,
  customerToColumns,
  historyToColumns,
  interactionFromColumns,
  ticketFromColumns,
  ticketToColumns,
  type TicketColumns,
} from '../../shared/storage/columns';

export interface Touched {
  ticketIds: string[];
  customerIds: string[];
  interactionIds: string[];
}

type CompleteArgs = Extract<Mutation, { name: 'interaction.complete' }>['args'];
type TicketCreateArgs = Extract<Mutation, { name: 'ticket.create' }>['args'];
type CustomerCreateArgs = Extract<Mutation, { name: 'customer.create' }>['args'];

/**
 * Every write to the replica goes through here, on the one writing connection. Each public method is
 * one transaction, so a crash leaves either all of a change or none of it.
 */
export class StoreWriter {
  readonly fts: FtsIndex;
  /** The SLA columns (migration 012). */
  readonly sla: SlaWriter;
  /** The web-chat outbox (migration 019, chat-outbox, issue 13). */
  readonly chatOutbox: ChatOutboxStore;
  private readonly calls: InteractionWriter;
  private readonly s: Record<string, Statement>;

  /**
   * Given, inside the transaction that takes them off the outbox, every entry a refusal removes (the refused one
   * and what depended on it), to keep in the not-sent list. Throwing rolls the removal back: an entry is always
   * in the outbox, the not-sent list, or (after a crash between the two commits) both, never in neither.
   */
  keepRefused: ((items: NotSentItem[]) => void) | null = null;

  constructor(private readonly db: Database) {
    this.fts = new FtsIndex(db);
    this.sla = new SlaWriter(db);
    this.chatOutbox = new ChatOutboxStore(db);
    this.calls = new InteractionWriter(db);
    const ticketCols =
      'number, department_id, customer_id, subject, description, status, priority, assignee_id, hand_back_to, channel, tags, fields, parent_id, related_ids, merged_into, category, triage, created_at, updated_at, version';
    const set = (cols: string) =>
      cols
        .split(', ')
        .map((c) => `${c} = excluded.${c}`)
        .join(', ');
    const params = (cols: string) =>
      cols
        .split(', ')
        .map((c) => `@${c}`)
        .join(', ');
    const customerCols = 'name, phone, email, language, company, created_at, updated_at, version';
    const COMMENT_EMAIL = 'from_customer, delivery, attachments'; // email (issue 13)
    this.s = {
      upsertTicket: db.prepare(
        `INSERT INTO tickets (id, seq, ${ticketCols}, server_base) VALUES (@id, @seq, ${params(ticketCols)}, @server_base)
         ON CONFLICT(id) DO UPDATE SET ${set(ticketCols)}, server_base = excluded.server_base`,
      ),
      upsertCustomer: db.prepare(
        `INSERT INTO customers (id, ${customerCols}) VALUES (@id, ${params(customerCols)})
         ON CONFLICT(id) DO UPDATE SET ${set(customerCols)}`,
      ),
      // email (issue 13, migration 017): from_customer, delivery and attachments travel with every comment.
      upsertComment: db.prepare(
        `INSERT INTO comments (id, ticket_id, author_id, author_name, body, internal, created_at, ${COMMENT_EMAIL})
         VALUES (@id, @ticket_id, @author_id, @author_name, @body, @internal, @created_at, ${params(COMMENT_EMAIL)})
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, internal = excluded.internal,
           author_id = excluded.author_id, author_name = excluded.author_name, created_at = excluded.created_at,
           ${set(COMMENT_EMAIL)}`,
      ),
      // The same, only when the ticket is here: a pulled comment or history row can name a ticket outside our
      // scope (it left between pages). One statement instead of a lookup and an insert, 200,000 times a first sync.
      upsertCommentOfKnownTicket: db.prepare(
        `INSERT INTO comments (id, ticket_id, author_id, author_name, body, internal, created_at, ${COMMENT_EMAIL})
         SELECT @id, @ticket_id, @author_id, @author_name, @body, @internal, @created_at, ${params(COMMENT_EMAIL)}
         WHERE EXISTS (SELECT 1 FROM tickets WHERE id = @ticket_id)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, internal = excluded.internal,
           author_id = excluded.author_id, author_name = excluded.author_name, created_at = excluded.created_at,
           ${set(COMMENT_EMAIL)}`,
      ),
      upsertHistoryOfKnownTicket: db.prepare(
        `INSERT OR REPLACE INTO history (id, ticket_id, field, from_value, to_value, actor_id, actor_name, at, note)
         SELECT @id, @ticket_id, @field, @from_value, @to_value, @actor_id, @actor_name, @at, @note
         WHERE EXISTS (SELECT 1 FROM tickets WHERE id = @ticket_id)`,
      ),
      upsertDepartment: db.prepare(
        `INSERT OR REPLACE INTO departments (id, code, name_zh, name_en) VALUES (@id, @code, @nameZh, @nameEn)`,
      ),
      upsertUser: db.prepare(
        `INSERT OR REPLACE INTO users (id, username, display_name, role, department_id)
         VALUES (@id, @username, @displayName, @role, @departmentId)`,
      ),
      ticket: db.prepare('SELECT * FROM tickets WHERE id = ?'),
      seqInMs: db.prepare('SELECT max(seq) FROM tickets WHERE seq >= ? AND seq < ?').pluck(),
      maxSeq: db.prepare('SELECT max(seq) FROM tickets').pluck(),
      ticketExists: db.prepare('SELECT 1 FROM tickets WHERE id = ?'),
      deleteTicket: db.prepare('DELETE FROM tickets WHERE id = ?'),
      customerRid: db.prepare('SELECT rid FROM customers WHERE id = ?'),
      deleteCustomer: db.prepare('DELETE FROM customers WHERE id = ?'),
      ticketsOfCustomer: db.prepare('SELECT id FROM tickets WHERE customer_id = ?'),
      putAlias: db.prepare('INSERT OR REPLACE INTO customer_aliases (alias_id, customer_id) VALUES (?, ?)'),
      // The kept server copy follows too, so undoing a refused edit does not bring the alias back.
      moveServerBases: db.prepare(
        `UPDATE tickets SET server_base = json_set(server_base, '$.customerId', ?)
         WHERE customer_id = ? AND server_base IS NOT NULL`,
      ),
      moveTickets: db.prepare('UPDATE tickets SET customer_id = ? WHERE customer_id = ?'),
      // chat-timeline (issue 13): ended chats of the department (migration 018).
      upsertChat: db.prepare(
        `INSERT OR REPLACE INTO chats (id, session_id, department_id, customer_id, agent_id, visitor_name,
           started_at, ended_at, message_count, first_line, transcript, ticket_id)
         VALUES (@id, @sessionId, @departmentId, @customerId, @agentId, @visitorName,
           @startedAt, @endedAt, @messageCount, @firstLine, @transcript, @ticketId)`,
      ),
      moveChats: db.prepare('UPDATE chats SET customer_id = ? WHERE customer_id = ?'),
      deleteOutboxOfTicket: db.prepare('DELETE FROM outbox WHERE ticket_id = ?'),
      deleteOutboxOfCustomer: db.prepare('DELETE FROM outbox WHERE customer_id = ?'),
      anyTicketEdit: db.prepare(`SELECT 1 FROM outbox WHERE name = 'ticket.update' LIMIT 1`),
      pendingPatches: db.prepare(
        `SELECT args FROM outbox WHERE ticket_id = ? AND name = 'ticket.update' ORDER BY seq`,
      ),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      metaValue: db.prepare('SELECT value FROM meta WHERE key = ?'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (mutation_id, name, args, ticket_id, comment_id, customer_id, created_at)
         VALUES (@mutation_id, @name, @args, @ticket_id, @comment_id, @customer_id, @created_at)`,
      ),
      outboxByMutation: db.prepare('SELECT * FROM outbox WHERE mutation_id = ?'),
      deleteOutbox: db.prepare('DELETE FROM outbox WHERE mutation_id = ?'),
      failOutbox: db.prepare(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE mutation_id = ?',
      ),
      deleteComment: db.prepare('DELETE FROM comments WHERE id = ?'),
      clearTicketBase: db.prepare('UPDATE tickets SET server_base = NULL WHERE id = ?'),
      putConflict: db.prepare(
        `INSERT OR REPLACE INTO ticket_conflicts
           (ticket_id, field, mine, theirs, changed_by_id, changed_by_name, changed_at, mutation_id, typed_at)
         VALUES (@ticket_id, @field, @mine, @theirs, @changed_by_id, @changed_by_name, @changed_at, @mutation_id, @typed_at)`,
      ),
      conflict: db.prepare('SELECT mine FROM ticket_conflicts WHERE ticket_id = ? AND field = ?'),
      deleteConflict: db.prepare('DELETE FROM ticket_conflicts WHERE ticket_id = ? AND field = ?'),
    };
  }

  /**
   * Apply one pulled page and move the cursor in the same transaction. Incoming tickets that have
   * unsent local edits keep them: the server copy is kept aside and the pending patches laid over it.
   * Call records likewise keep a call logged or wrapped up here until the server has it.
   */
  applyPage(
    changes: readonly Change[],
    cursor: number,
    head: number,
    now: string,
    scope: { key?: string; reset?: boolean } = {},
    /** Part of a first sync spanning many pages: load without secondary or search indexes (see beginBulkLoad). */
    bulk = false,
  ): Touched {
    const tickets = new Set<string>();
    const customers = new Set<string>();
    const interactions = new Set<string>();
    // Rows this page inserts have no index row yet: indexing them skips the delete, which in a contentless
    // FTS5 table costs a tombstone lookup per row (a first sync is 100,000 of them).
    const newTickets = new Set<string>();
    this.db
      .transaction(() => {
        if (scope.reset) this.dropScopedData();
        if (scope.key) this.setMetaIn(META.scope, scope.key);
        const edits = this.s.anyTicketEdit!.get() !== undefined;
        const deferIndexes = bulk ? this.beginBulkLoad() : this.s.metaValue!.get(META.bulkLoad) !== undefined;
        for (const c of changes) {
          switch (c.kind) {
            case 'ticket':
              if (c.op === 'remove') {
                this.removeTicket(c.id);
              } else {
                if (this.putServerTicket(c.data, edits, !deferIndexes)) newTickets.add(c.data.id);
              }
              tickets.add(c.op === 'remove' ? c.id : c.data.id);
              break;
            case 'customer':
              if (c.op === 'merge') {
                this.mergeCustomer(c.id, c.into, tickets);
                customers.add(c.id).add(c.into);
                break;
              }
              customers.add(c.data.id);
              if (deferIndexes) {
                this.s.upsertCustomer!.run(customerToColumns(c.data));
                break;
              }
              {
                const known = this.s.customerRid!.get(c.data.id) !== undefined;
                this.s.upsertCustomer!.run(customerToColumns(c.data));
                this.fts.refreshCustomer(c.data.id, !known);
              }
              for (const id of this.fts.ticketIdsOfCustomer(c.data.id)) tickets.add(id);
              break;
            case 'comment':
              // A comment can arrive for a ticket outside our scope (it left between pages): skipped.
              if (this.s.upsertCommentOfKnownTicket!.run(commentToColumns(c.data)).changes > 0)
                tickets.add(c.data.ticketId);
              break;
            case 'history':
              if (this.s.upsertHistoryOfKnownTicket!.run(historyToColumns(c.data)).changes > 0)
                tickets.add(c.data.ticketId);
              break;
            case 'department':
              this.s.upsertDepartment!.run(c.data);
              break;
            case 'user':
              this.s.upsertUser!.run(c.data);
              break;
            case 'interaction':
              for (const id of this.calls.putServer(c.data)) interactions.add(id);
              break;
            case 'chat':
              this.s.upsertChat!.run(c.data);
              if (c.data.customerId) customers.add(c.data.customerId);
              break;
          }
        }
        if (!deferIndexes) for (const id of tickets) this.fts.refreshTicket(id, newTickets.has(id));
        this.setMetaIn(META.cursor, String(cursor));
        this.setMetaIn(META.head, String(head));
        this.setMetaIn(META.lastSyncedAt, now);
      })
      .immediate();
    return { ticketIds: [...tickets], customerIds: [...customers], interactionIds: [...interactions] };
  }

  /**
   * A first sync writes 100,000s of rows. Kept up row by row, the secondary indexes (keyed by customer or
   * ticket, so in no order the stream follows) dirtied a different page per row and each commit wrote and
   * checkpointed ~15 MB for ~2.5 MB of data; the search index doubled the rest. So the load drops them (saving
   * their definitions, in the transaction of its first page) and finishBulkLoad builds them in one pass.
   * Until then, reads still work, unindexed and slower, and search finds only what was edited here.
   * Returns true: this page is part of a bulk load.
   */
  private beginBulkLoad(): boolean {
    if (this.s.metaValue!.get(META.bulkLoad) !== undefined) return true;
    const indexes = this.db
      .prepare(
        `SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
           AND tbl_name IN ('tickets', 'comments', 'history', 'customers')`,
      )
      .all() as { name: string; sql: string }[];
    for (const i of indexes) this.db.exec(`DROP INDEX "${i.name}"`);
    this.setMetaIn(META.bulkLoad, JSON.stringify(indexes.map((i) => [i.name, i.sql])));
    return true;
  }

  /**
   * Ends a bulk load: the dropped indexes and the search index are built again, in one transaction with
   * clearing the mark, so a crash in between leaves the mark and the next open finishes the job.
   * Returns false when no load was under way.
   */
  finishBulkLoad(): boolean {
    const saved = this.s.metaValue!.get(META.bulkLoad) as { value: string } | undefined;
    if (!saved) return false;
    this.db
      .transaction(() => {
        for (const [, sql] of JSON.parse(saved.value) as [string, string][])
          this.db.exec(sql.replace(/^CREATE INDEX /i, 'CREATE INDEX IF NOT EXISTS '));
        this.fts.rebuildAll();
        this.s.deleteMeta!.run(META.bulkLoad);
      })
      .immediate();
    return true;
  }

  /**
   * The user now works for another department: what this replica held of the old one (tickets with their
   * comments, history and conflicts, customers, calls) goes, in the same transaction as the new scope's first
   * page. The directory is everyone's and stays; the outbox stays too, and the server answers each entry.
   */
  private dropScopedData(): void {
    this.keepUnsettledConflicts(null);
    this.keepOutboxContext();
    this.db.exec(`
      DELETE FROM tickets;
      DELETE FROM customers;
      DELETE FROM customer_aliases;
      DELETE FROM interactions;
      DELETE FROM interaction_aliases;
      DELETE FROM chats;
      INSERT INTO ticket_fts(ticket_fts) VALUES ('delete-all');
      INSERT INTO customer_fts(customer_fts) VALUES ('delete-all');
    `);
  }

  /**
   * The server says the provisional customer `aliasId` is the customer `into` (same phone): its tickets move
   * to `into` and the provisional row goes. The alias is remembered for screens that still hold the old id.
   */
  private mergeCustomer(aliasId: string, into: string, touchedTickets: Set<string>): void {
    this.s.putAlias!.run(aliasId, into);
    for (const r of this.s.ticketsOfCustomer!.all(aliasId) as { id: string }[]) touchedTickets.add(r.id);
    this.s.moveServerBases!.run(into, aliasId);
    this.s.moveTickets!.run(into, aliasId);
    // The service sends each moved chat again too; moved here as well, so the timeline never shows them apart.
    this.s.moveChats!.run(into, aliasId);
    this.dropCustomerRow(aliasId);
  }

  private dropCustomerRow(id: string): void {
    const row = this.s.customerRid!.get(id) as { rid: number } | undefined;
    if (!row) return;
    this.fts.removeCustomerRow(row.rid);
    this.s.deleteCustomer!.run(id);
  }

  /** Store the server's copy with any unsent edits laid over it; true when the ticket was not here before. */
  private putServerTicket(server: Ticket, anyEdits: boolean, indexed: boolean): boolean {
    if (!anyEdits && !indexed) {
      // A bulk load with nothing queued: nothing to lay over it, no index row to keep, so no lookup first.
      // Known or not, a free key: the update of a known row leaves its key as it is.
      this.putTicket({ ...ticketToColumns(server), server_base: null }, this.seqFor(server.createdAt));
      return false;
    }
    const known = this.s.ticketExists!.get(server.id) !== undefined;
    const patches = anyEdits && known ? this.pendingPatches(server.id) : [];
    const local = patches.reduce(applyPatch, server);
    this.putTicket(
      { ...ticketToColumns(local), server_base: patches.length ? JSON.stringify(server) : null },
      known ? null : this.seqFor(server.createdAt),
    );
    return !known;
  }

  private removeTicket(id: string): void {
    const row = this.s.ticket!.get(id) as TicketDbRow | undefined;
    if (!row) return;
    this.keepUnsettledConflicts(id);
    this.fts.removeRow(row.seq);
    // comments and history go with it (ON DELETE CASCADE).
    this.s.deleteTicket!.run(id);
  }

  private pendingPatches(ticketId: string): TicketChange[] {
    return (this.s.pendingPatches!.all(ticketId) as { args: string }[]).map(
      (r) => (JSON.parse(r.args) as { patch: TicketChange }).patch,
    );
  }

  /**
   * An agent's edit: change the row now and queue the mutation, atomically. reason: why, sent with a change
   * that asks for one (a transfer to another department).
   */
  updateTicketLocally(
    ticketId: string,
    patch: TicketChange,
    mutationId: string,
    now: string,
    reason?: string,
    bulk = false,
  ): Ticket {
    return this.db
      .transaction(() => {
        const row = this.s.ticket!.get(ticketId) as TicketDbRow | undefined;
        if (!row) throw new Error(`ticket ${ticketId} is not in the local store`);
        const current = ticketFromColumns(row);
        const base = row.server_base ?? JSON.stringify(current);
        const args = {
          ticketId,
          patch,
          baseVersion: current.version,
          ...(reason ? { reason } : {}),
          ...(bulk ? { bulk: true } : {}),
        };
        this.queue(mutationId, 'ticket.update', args, { ticketId }, now);
        const next = { ...applyPatch(current, patch), updatedAt: now };
        this.putTicket({ ...ticketToColumns(next), server_base: base }, null);
        this.fts.refreshTicket(ticketId);
        return next;
      })
      .immediate();
  }

  /**
   * The agent deletes a ticket: queued as ticket.delete on the server version held here (edits queued before it
   * are this device's own, which the server does not count as a conflict). The row stays until the server
   * answers: nothing is lost if it refuses. A ticket the server has never had (made here, still queued) is
   * deleted in the same order, right after its creation reaches the server.
   */
  deleteTicketLocally(ticketId: string, mutationId: string, now: string, reason?: string): void {
    this.db
      .transaction(() => {
        if (!this.s.ticketExists!.get(ticketId))
          throw new Error(`ticket ${ticketId} is not in the local store`);
        const args = { ticketId, baseVersion: this.serverVersion(ticketId), ...(reason ? { reason } : {}) };
        this.queue(mutationId, 'ticket.delete', args, { ticketId }, now);
      })
      .immediate();
  }

  addCommentLocally(comment: TicketComment, mutationId: string): void {
    this.db
      .transaction(() => {
        const row = this.s.ticket!.get(comment.ticketId) as TicketDbRow | undefined;
        if (!row) throw new Error(`ticket ${comment.ticketId} is not in the local store`);
        this.s.upsertComment!.run(commentToColumns(comment));
        const args = {
          commentId: comment.id,
          ticketId: comment.ticketId,
          body: comment.body,
          internal: comment.internal,
        };
        this.queue(
          mutationId,
          'ticket.comment',
          args,
          { ticketId: comment.ticketId, commentId: comment.id },
          comment.createdAt,
        );
        this.fts.refreshTicket(comment.ticketId);
      })
      .immediate();
  }

  /**
   * A call recorded on this desktop (works offline): the record now, the `interaction.log` mutation queued,
   * atomically. Returns the id of the record that holds the call (see InteractionWriter.log).
   */
  logCallLocally(log: InteractionLog, by: LoggedBy, mutationId: string, now: string): string {
    return this.db.transaction(() => this.calls.log(log, by, mutationId, now)).immediate();
  }

  /** The agent's wrap-up of a call: the record now, the `interaction.complete` mutation queued, atomically. */
  completeCallLocally(interactionId: string, args: CompleteArgs, mutationId: string, now: string): void {
    this.db.transaction(() => this.calls.complete(interactionId, args, mutationId, now)).immediate();
  }

  /**
   * A customer made here: the row (indexed, so a search finds it at once) and its queued mutation, atomically.
   * version 0: the server has not seen it.
   */
  createCustomerLocally(customer: Customer, mutationId: string): void {
    this.db
      .transaction(() => {
        this.s.upsertCustomer!.run(customerToColumns(customer));
        this.fts.refreshCustomer(customer.id);
        const args: CustomerCreateArgs = {
          customerId: customer.id,
          name: customer.name,
          phone: customer.phone,
          email: customer.email,
          company: customer.company,
          language: customer.language,
          createdAt: customer.createdAt,
        };
        this.queue(mutationId, 'customer.create', args, { customerId: customer.id }, customer.createdAt);
      })
      .immediate();
  }

  /** A ticket made here, number null until the server assigns one; row, index and queued mutation at once. */
  createTicketLocally(ticket: Ticket, interactionId: string | null, mutationId: string): void {
    this.db
      .transaction(() => {
        if (this.s.ticketExists!.get(ticket.id)) throw new Error(`ticket ${ticket.id} already exists`);
        this.putTicket({ ...ticketToColumns(ticket), server_base: null }, this.seqFor(ticket.createdAt));
        this.fts.refreshTicket(ticket.id, true);
        const args: TicketCreateArgs = {
          ticketId: ticket.id,
          customerId: ticket.customerId,
          departmentId: ticket.departmentId,
          subject: ticket.subject,
          description: ticket.description,
          status: ticket.status as TicketCreateArgs['status'],
          priority: ticket.priority,
          assigneeId: ticket.assigneeId,
          createdAt: ticket.createdAt,
          interactionId,
          channel: ticket.channel,
          // Triage (issue 15): the category and the desktop's own prediction, when it triaged offline.
          category: ticket.category,
          triage: ticket.triage,
        };
        this.queue(
          mutationId,
          'ticket.create',
          args,
          { ticketId: ticket.id, customerId: ticket.customerId },
          ticket.createdAt,
        );
      })
      .immediate();
  }

  private queue(
    mutationId: string,
    name: Mutation['name'],
    args: unknown,
    about: { ticketId?: string; commentId?: string; customerId?: string },
    at: string,
  ): void {
    this.s.insertOutbox!.run({
      mutation_id: mutationId,
      name,
      args: JSON.stringify(args),
      ticket_id: about.ticketId ?? null,
      comment_id: about.commentId ?? null,
      customer_id: about.customerId ?? null,
      created_at: at,
    });
  }

  /**
   * The server applied these mutations (now or on an earlier replay): forget them. `versions` are the versions
   * the server answered with, by mutation id.
   */
  markApplied(mutationIds: readonly string[], versions: ReadonlyMap<string, number> = new Map()): void {
    this.db
      .transaction(() => {
        for (const id of mutationIds) {
          const entry = this.s.outboxByMutation!.get(id) as OutboxDbEntry | undefined;
          this.s.deleteOutbox!.run(id);
          // Deleted on the server: out of the replica now, not only when the stream's remove arrives (until
          // then the row would show as a live ticket again).
          if (entry?.name === 'ticket.delete' && entry.ticket_id) {
            this.removeTicket(entry.ticket_id);
            continue;
          }
          if (entry?.ticket_id && this.pendingPatches(entry.ticket_id).length === 0) {
            this.settleTicket(entry, versions.get(id));
          }
          if (entry?.interaction_id)
            this.calls.acknowledged({ ...entry, interaction_id: entry.interaction_id });
        }
      })
      .immediate();
  }

  /**
   * The ticket's last pending edit went through. Normally the server's new version comes down the stream
   * and replaces the local row. But an edit that changed nothing on the server (it already held those values)
   * makes no new version, and an edit whose result we pulled before its answer arrived is already in the kept
   * server copy: in both cases the answer's version is not newer than that copy and nothing more will come,
   * so the copy is the server's truth (without it, the local updatedAt would stay forever).
   */
  private settleTicket(entry: OutboxDbEntry, version: number | undefined): void {
    const ticketId = entry.ticket_id!;
    const row = this.s.ticket!.get(ticketId) as TicketDbRow | undefined;
    const base = row?.server_base ? (JSON.parse(row.server_base) as Ticket) : null;
    if (entry.name === 'ticket.update' && base && version !== undefined && version <= base.version) {
      this.putTicket({ ...ticketToColumns(base), server_base: null }, null);
      this.fts.refreshTicket(ticketId);
      return;
    }
    this.s.clearTicketBase!.run(ticketId);
  }

  /**
   * The server will never apply this mutation: drop it and undo it locally. A ticket is rebuilt from the
   * kept server copy plus whatever other edits are still pending, a comment deleted; a refused new ticket goes
   * with everything queued on it, a refused new customer also takes its (local) tickets; a call record is
   * undone as InteractionWriter.refused says. Returns what changed, for the UI to refresh.
   */
  markRejected(
    mutationId: string,
    conflicts: readonly FieldConflict[] = [],
    reason: { code: string; message: string } = {
      code: 'refused',
      message: 'The server refused this change.',
    },
  ): Touched | null {
    return this.db
      .transaction((): Touched | null => {
        const entry = this.s.outboxByMutation!.get(mutationId) as OutboxDbEntry | undefined;
        if (!entry) return null;
        // A same-field conflict keeps the agent's value on the ticket (ticket_conflicts) for them to settle.
        if (!(entry.name === 'ticket.update' && conflicts.length > 0)) {
          this.keepRefused?.(this.notSentOf(this.withDependents(entry), entry.mutation_id, reason));
        }
        this.s.deleteOutbox!.run(mutationId);
        if (entry.name === 'ticket.update' && entry.ticket_id && conflicts.length > 0) {
          this.keepConflicts(entry, entry.ticket_id, conflicts);
        }
        const touched: Touched = { ticketIds: [], customerIds: [], interactionIds: [] };
        if (entry.interaction_id) {
          touched.interactionIds.push(
            ...this.calls.refused({ ...entry, interaction_id: entry.interaction_id }),
          );
        }
        if (entry.name === 'customer.create' && entry.customer_id) {
          // The server never had this customer, so every ticket naming it was made here.
          const ticketIds = (this.s.ticketsOfCustomer!.all(entry.customer_id) as { id: string }[]).map(
            (r) => r.id,
          );
          for (const id of ticketIds) this.dropLocalTicket(id);
          this.s.deleteOutboxOfCustomer!.run(entry.customer_id);
          this.dropCustomerRow(entry.customer_id);
          touched.ticketIds.push(...ticketIds);
          touched.customerIds.push(entry.customer_id);
          return touched;
        }
        if (!entry.ticket_id) return touched;
        if (entry.name === 'ticket.create') {
          this.dropLocalTicket(entry.ticket_id);
          touched.ticketIds.push(entry.ticket_id);
          if (entry.customer_id) touched.customerIds.push(entry.customer_id);
          return touched;
        }
        this.undoTicketEntry(entry, entry.ticket_id);
        touched.ticketIds.push(entry.ticket_id);
        return touched;
      })
      .immediate();
  }

  /**
   * The server refused the whole patch because of these fields: remember the agent's value beside the server's
   * for them, and send the rest of the patch again on its own, since edits to other fields merge.
   */
  private keepConflicts(entry: OutboxDbEntry, ticketId: string, conflicts: readonly FieldConflict[]): void {
    const { patch, reason } = JSON.parse(entry.args) as { patch: TicketChange; reason?: string };
    const rest: TicketChange = { ...patch };
    for (const k of conflicts) {
      delete rest[k.field];
      this.s.putConflict!.run({
        ticket_id: ticketId,
        field: k.field,
        mine: fieldText(patch[k.field]),
        theirs: k.theirs,
        changed_by_id: k.changedById,
        changed_by_name: k.changedByName,
        changed_at: k.changedAt,
        mutation_id: entry.mutation_id,
        typed_at: entry.created_at,
      });
    }
    if (Object.keys(rest).length === 0) return;
    const args = {
      ticketId,
      patch: rest,
      baseVersion: this.serverVersion(ticketId),
      ...(reason ? { reason } : {}),
    };
    this.queue(uuidv7(), 'ticket.update', args, { ticketId }, entry.created_at);
  }

  /** The version of the server's copy this replica holds (under any pending edits). */
  private serverVersion(ticketId: string): number {
    const row = this.s.ticket!.get(ticketId) as TicketDbRow | undefined;
    if (!row) return 0;
    return row.server_base ? (JSON.parse(row.server_base) as Ticket).version : row.version;
  }

  /**
   * The agent chose a side of a conflict. 'theirs' forgets their refused value; 'mine' queues it again on the
   * server version now held, as a fresh edit. Returns false when there was no such conflict.
   */
  resolveConflict(
    ticketId: string,
    field: FieldConflict['field'],
    keep: 'mine' | 'theirs',
    mutationId: string,
    now: string,
  ): boolean {
    return this.db
      .transaction(() => {
        const k = this.s.conflict!.get(ticketId, field) as { mine: string | null } | undefined;
        if (!k) return false;
        this.s.deleteConflict!.run(ticketId, field);
        if (keep === 'mine')
          this.updateTicketLocally(ticketId, fieldFromText(field, k.mine), mutationId, now);
        return true;
      })
      .immediate();
  }

  private undoTicketEntry(entry: OutboxDbEntry, ticketId: string): void {
    if (entry.name === 'ticket.comment' && entry.comment_id) {
      this.s.deleteComment!.run(entry.comment_id);
    } else {
      const row = this.s.ticket!.get(ticketId) as TicketDbRow | undefined;
      if (row?.server_base) {
        const server = JSON.parse(row.server_base) as Ticket;
        const patches = this.pendingPatches(ticketId);
        this.putTicket(
          {
            ...ticketToColumns(patches.reduce(applyPatch, server)),
            server_base: patches.length ? row.server_base : null,
          },
          null,
        );
      }
    }
    this.fts.refreshTicket(ticketId);
  }

  /** A ticket the server will never have: the row, its index entry and whatever is still queued on it. */
  private dropLocalTicket(ticketId: string): void {
    this.s.deleteOutboxOfTicket!.run(ticketId);
    this.removeTicket(ticketId);
  }

  /**
   * Same-field conflicts the agent has not settled, on one ticket (or all: null), go to the not-sent list
   * before their ticket leaves the replica (the rows would go with it): the agent's value, under the id of
   * the change it came from, beside the server copy held here. Returns how many changes were kept.
   */
  private keepUnsettledConflicts(ticketId: string | null): number {
    if (!this.keepRefused) return 0;
    const rows = (
      ticketId === null
        ? this.db.prepare('SELECT * FROM ticket_conflicts ORDER BY ticket_id, field').all()
        : this.db.prepare('SELECT * FROM ticket_conflicts WHERE ticket_id = ? ORDER BY field').all(ticketId)
    ) as ConflictDbRow[];
    if (rows.length === 0) return 0;
    // One entry per change: a patch whose fields met several conflicts is kept whole.
    const byChange = new Map<string, ConflictDbRow[]>();
    for (const r of rows) {
      const key = r.mutation_id ?? `${r.ticket_id}:${r.field}`;
      byChange.set(key, [...(byChange.get(key) ?? []), r]);
    }
    const items = [...byChange.values()].flatMap((group) => {
      const first = group[0]!;
      const patch = Object.fromEntries(group.map((r) => [r.field, r.mine]));
      const entry = {
        seq: 0,
        // A conflict kept before its change's id was (an older desktop) gets one of its own.
        mutation_id: first.mutation_id ?? uuidv7(),
        name: 'ticket.update',
        args: JSON.stringify({
          ticketId: first.ticket_id,
          patch,
          baseVersion: this.serverVersion(first.ticket_id),
        }),
        ticket_id: first.ticket_id,
        comment_id: null,
        customer_id: null,
        interaction_id: null,
        created_at: first.typed_at ?? first.changed_at,
      } as OutboxDbEntry;
      const who = group
        .map((r) => `${r.changed_by_name} changed ${r.field} to "${r.theirs ?? ''}"`)
        .join('; ');
      return this.notSentOf([entry], null, {
        code: 'conflict',
        message: `Not applied: ${who} in the meantime, and the ticket left this desktop before you chose.`,
      });
    });
    this.keepRefused(items);
    if (ticketId === null) this.db.exec('DELETE FROM ticket_conflicts');
    else this.db.prepare('DELETE FROM ticket_conflicts WHERE ticket_id = ?').run(ticketId);
    return items.length;
  }

  /**
   * Before the tickets go (a department move), note what the queued changes were about, so that the not-sent
   * list can still name each ticket and show the server's copy when the server refuses them.
   */
  private keepOutboxContext(): void {
    // Calls are noted here too, under their record's id (ids never collide): a refused wrap-up can then
    // still say which call it was, and a retry record it again in the new department.
    this.db.exec(
      `DELETE FROM outbox_context WHERE ticket_id NOT IN (
         SELECT ticket_id FROM outbox WHERE ticket_id IS NOT NULL
         UNION SELECT interaction_id FROM outbox WHERE interaction_id IS NOT NULL)`,
    );
    const rows = this.db
      .prepare('SELECT * FROM tickets WHERE id IN (SELECT ticket_id FROM outbox WHERE ticket_id IS NOT NULL)')
      .all() as TicketDbRow[];
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO outbox_context (ticket_id, local, base) VALUES (?, ?, ?)',
    );
    for (const r of rows) put.run(r.id, JSON.stringify(ticketFromColumns(r)), r.server_base);
    const calls = this.db
      .prepare(
        'SELECT * FROM interactions WHERE id IN (SELECT interaction_id FROM outbox WHERE interaction_id IS NOT NULL)',
      )
      .all() as InteractionDbRow[];
    for (const r of calls) put.run(r.id, JSON.stringify(interactionFromColumns(r)), null);
  }

  /** The refused entry and every queued entry that cannot go without it (its new ticket's or customer's). */
  private withDependents(entry: OutboxDbEntry): OutboxDbEntry[] {
    const all = this.db.prepare('SELECT * FROM outbox ORDER BY seq').all() as OutboxDbEntry[];
    if (entry.name === 'customer.create' && entry.customer_id) {
      const tickets = new Set(
        (this.s.ticketsOfCustomer!.all(entry.customer_id) as { id: string }[]).map((r) => r.id),
      );
      for (const e of all) {
        if (e.name === 'ticket.create' && e.customer_id === entry.customer_id && e.ticket_id) {
          tickets.add(e.ticket_id);
        }
      }
      return all.filter(
        (e) =>
          e.mutation_id === entry.mutation_id ||
          e.customer_id === entry.customer_id ||
          (e.ticket_id !== null && tickets.has(e.ticket_id)),
      );
    }
    if (entry.name === 'ticket.create' && entry.ticket_id) {
      return all.filter((e) => e.mutation_id === entry.mutation_id || e.ticket_id === entry.ticket_id);
    }
    if (entry.name === 'interaction.log' && entry.interaction_id) {
      // InteractionWriter.refused drops a provisional call the server never had with everything queued on it
      // (the wrap-up notes the agent typed): those go to the list with it, as a new ticket's comments do.
      const row = this.db
        .prepare('SELECT provisional FROM interactions WHERE id = ?')
        .get(entry.interaction_id) as { provisional: number } | undefined;
      const logId = (JSON.parse(entry.args) as InteractionLog).interactionId;
      if (row?.provisional && logId === entry.interaction_id) {
        return all.filter(
          (e) => e.mutation_id === entry.mutation_id || e.interaction_id === entry.interaction_id,
        );
      }
    }
    return [entry];
  }

  /** Outbox entries as not-sent items: what was typed, why it did not go, and the server copy held here. */
  private notSentOf(
    entries: readonly OutboxDbEntry[],
    refusedId: string | null,
    reason: { code: string; message: string },
  ): NotSentItem[] {
    const now = new Date().toISOString();
    return entries.map((e) => {
      const row = e.ticket_id ? (this.s.ticket!.get(e.ticket_id) as TicketDbRow | undefined) : undefined;
      // A department move emptied the replica before the refusal: what it held then was noted for this.
      const kept =
        !row && e.ticket_id
          ? (this.db
              .prepare('SELECT local, base FROM outbox_context WHERE ticket_id = ?')
              .get(e.ticket_id) as { local: string; base: string | null } | undefined)
          : undefined;
      const local = row ? ticketFromColumns(row) : kept ? (JSON.parse(kept.local) as Ticket) : null;
      const serverBase = row ? row.server_base : (kept?.base ?? null);
      // Only a ticket the server has (version > 0) has a server copy to show.
      const base = serverBase ? (JSON.parse(serverBase) as Ticket) : local;
      const current =
        base && base.version > 0
          ? {
              subject: base.subject,
              status: base.status,
              priority: base.priority,
              assigneeId: base.assigneeId,
              version: base.version,
            }
          : null;
      const args = JSON.parse(e.args) as Record<string, unknown>;
      const ticket = local
        ? { number: local.number, subject: local.subject }
        : e.name === 'ticket.create'
          ? { number: null, subject: String(args.subject ?? '') }
          : null;
      const dependent = refusedId !== null && e.mutation_id !== refusedId;
      const call = e.interaction_id ? this.callOf(e.name, args, e.interaction_id) : null;
      return {
        id: e.mutation_id,
        kind: e.name,
        args,
        ticketId: e.ticket_id,
        customerId: e.customer_id,
        ticket,
        typedAt: e.created_at,
        refusedAt: now,
        code: dependent ? 'parent_refused' : reason.code,
        message: reason.message,
        current,
        call,
      };
    });
  }

  /** The call a queued call change is about, as a log of it says: from the log itself, the replica, or the context kept at a move. */
  private callOf(name: string, args: Record<string, unknown>, interactionId: string): NotSentItem['call'] {
    const fromLog = ({ interactionId: _id, ...rest }: InteractionLog) => rest;
    if (name === 'interaction.log') return fromLog(args as unknown as InteractionLog);
    const row = this.db.prepare('SELECT * FROM interactions WHERE id = ?').get(interactionId) as
      InteractionDbRow | undefined;
    const kept = row
      ? null
      : (this.db.prepare('SELECT local FROM outbox_context WHERE ticket_id = ?').get(interactionId) as
          { local: string } | undefined);
    const i: Interaction | null = row
      ? interactionFromColumns(row)
      : kept
        ? (JSON.parse(kept.local) as Interaction)
        : null;
    if (!i || i.endAt === null) return null;
    // Only what a log may carry: anything else (a number longer than a log takes) names no call to retry.
    const call = NotSentCall.safeParse({
      callId: i.callId,
      direction: i.direction,
      callerNumber: i.callerNumber,
      calleeNumber: i.calleeNumber,
      queueNumber: i.queueNumber,
      ringAt: i.ringAt,
      answerAt: i.answerAt,
      endAt: i.endAt,
      holdSeconds: i.holdSeconds,
    });
    return call.success ? call.data : null;
  }

  /**
   * Hand every queued change to keepRefused and empty the outbox, in one transaction: the replica is about to
   * be deleted (a disabled account) and the agent's typed work must outlive it. Returns how many were kept.
   */
  setAsideOutbox(reason: { code: string; message: string }): number {
    return this.db
      .transaction((): number => {
        const all = this.db.prepare('SELECT * FROM outbox ORDER BY seq').all() as OutboxDbEntry[];
        const conflicts = this.db.prepare('SELECT count(*) FROM ticket_conflicts').pluck().get() as number;
        if (all.length === 0 && conflicts === 0) return 0;
        if (!this.keepRefused) throw new Error('There is nowhere to keep the unsent changes.');
        if (all.length > 0) this.keepRefused(this.notSentOf(all, null, reason));
        this.db.prepare('DELETE FROM outbox').run();
        return all.length + this.keepUnsettledConflicts(null);
      })
      .immediate();
  }

  /**
   * Queue these not-sent entries again under their own mutation ids, in their order (see
   * NotSentStore.unanswered): the server's once-only check then settles each one. One it applied before the
   * answer was lost is answered as applied and forgotten; any other is applied now, or refused with its real
   * reason and kept in the list again. What they change locally comes back as the pulls overlay pending edits.
   */
  requeue(items: readonly NotSentItem[]): void {
    this.db
      .transaction(() => {
        const put = this.db.prepare(
          `INSERT OR IGNORE INTO outbox (mutation_id, name, args, ticket_id, comment_id, customer_id, interaction_id, created_at)
           VALUES (@mutation_id, @name, @args, @ticket_id, @comment_id, @customer_id, @interaction_id, @created_at)`,
        );
        for (const i of items) {
          const args = i.args as { commentId?: string; interactionId?: string; id?: string };
          put.run({
            mutation_id: i.id,
            name: i.kind,
            args: JSON.stringify(i.args),
            ticket_id: i.ticketId,
            comment_id: i.kind === 'ticket.comment' ? (args.commentId ?? null) : null,
            customer_id: i.customerId,
            interaction_id: i.kind.startsWith('interaction.')
              ? (args.interactionId ?? args.id ?? null)
              : null,
            created_at: i.typedAt,
          });
        }
      })
      .immediate();
  }

  /** A push failed in transit: keep the mutations, count the attempt. */
  /**
   * Whether this connection can take the write lock now, found without writing (BEGIN IMMEDIATE, ROLLBACK)
   * and without the busy timeout, which would block the desktop's thread for seconds.
   */
  canLock(): boolean {
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return true;
    } catch {
      return false;
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  markAttemptFailed(mutationIds: readonly string[], error: string): void {
    this.db
      .transaction(() => {
        for (const id of mutationIds) this.s.failOutbox!.run(error, id);
      })
      .immediate();
  }

  setMeta(key: string, value: string): void {
    this.setMetaIn(key, value);
  }

  private setMetaIn(key: string, value: string): void {
    this.s.setMeta!.run(key, value);
  }

  /** Bulk-load helpers (benchmark and tests): insert without the per-row pending checks. */
  bulk<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
  insertCustomer(c: Customer): void {
    this.s.upsertCustomer!.run(customerToColumns(c));
    this.fts.refreshCustomer(c.id);
  }
  /** A ticket new to this store, with its index row; the customer must already be loaded. */
  loadTicket(t: Ticket, customer: { name: string; phone: string | null; email: string | null } | null): void {
    const seq = this.seqFor(t.createdAt);
    this.putTicket({ ...ticketToColumns(t), server_base: null }, seq);
    this.fts.insertNew(
      seq,
      ftsText(t.number, t.subject, t.description, [], customer, {
        ...t,
        needsTriage: t.triage?.needsReview === true,
      }),
    );
  }

  /**
   * A key for a new ticket in order of creation (see ticketSeq), free in this replica: the first unused of the
   * SEQ_SLOTS keys of its millisecond, or past every key if all are taken (or the time cannot be read).
   */
  private seqFor(createdAt: string): number {
    const base = ticketSeq(createdAt);
    if (base !== null) {
      const taken = this.s.seqInMs!.get(base, base + SEQ_SLOTS) as number | null;
      if (taken === null) return base;
      if (taken + 1 < base + SEQ_SLOTS) return taken + 1;
    }
    return ((this.s.maxSeq!.get() as number | null) ?? 0) + 1;
  }

  /** Insert or update a ticket row; `seq` is used only when it is new (null: known to exist). */
  private putTicket(row: TicketColumns & { server_base: string | null }, seq: number | null): void {
    this.s.upsertTicket!.run({ ...row, seq });
  }
}

interface ConflictDbRow {
  ticket_id: string;
  field: string;
  mine: string | null;
  theirs: string | null;
  changed_by_name: string;
  changed_at: string;
  mutation_id: string | null;
  typed_at: string | null;
}

interface OutboxDbEntry {
  seq: number;
  mutation_id: string;
  name: Mutation['name'];
  args: string;
  ticket_id: string | null;
  comment_id: string | null;
  interaction_id: string | null;
  customer_id: string | null;
  created_at: string;
}

export type { OutboxEntry };

import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simTmp } from './sim-tmp';
import { transitionError } from '../../src/shared/domain/ticket-rules';
import { Poke, type TicketPatch, type TicketPriority, type TicketStatus, type User } from '../../src/shared';
import { openStore, type LocalStore } from '../../src/main/store';
import { applyPoke, pullAll } from '../../src/main/sync/pull';
import { pushAll } from '../../src/main/sync/push';
import type { Random } from '../../src/server/demo/prng';
import { SimTimeout, type SimNetwork } from './sim-network';

/** A local write the UI reported as done: the agent saw it succeed. */
export interface Confirmed {
  id: string;
  name: 'ticket.update' | 'ticket.comment' | 'ticket.create' | 'customer.create';
  ticketId?: string;
  customerId?: string;
  commentId?: string;
}

let emptyReplica: string | null = null;

/** A migrated, empty replica made once per process: migrating costs more than most of a run. */
function emptyReplicaFile(): string {
  if (emptyReplica) return emptyReplica;
  const dir = mkdtempSync(join(simTmp(), 'sb-sim-replica-'));
  const path = join(dir, 'empty.sqlite');
  openStore(path).close(); // close() checkpoints, so the one file is the whole replica
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (emptyReplica = path);
}

/** The desktop died with the server's answer in hand, before acting on it. */
class ClientKilled extends Error {}

const STATUSES: TicketStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];
const PRIORITIES: TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

/**
 * One agent's desktop: the real replica (openStore on a file) and the real pull/push functions the
 * SyncEngine runs, driven by the simulation instead of timers so a seed replays exactly.
 * Local writes go through the StoreWriter calls the IPC handlers make (src/main/services/handlers.ts), with
 * the same checks before them, but with seeded ids and the simulated clock instead of uuidv7 and new Date().
 */
export class SimClient {
  store: LocalStore;
  /** Read-only view for choosing what to edit and for the checks (the replica's file outlives kills). */
  private readonly peek: Database.Database;
  /** Stores of "killed" desktops: left open and unused, as a dead process leaves its file. */
  private readonly dead: LocalStore[] = [];
  online = true;
  kills = 0;
  readonly confirmed: Confirmed[] = [];
  /** Mutation ids whose refusal the desktop reported (what the engine logs and shows as lastError). */
  readonly refusals = new Map<string, string>();
  /** Tickets and customers a reported refusal took back (a refused create takes what was queued on it). */
  readonly takenBack = { tickets: new Set<string>(), customers: new Set<string>() };
  /** Transport errors other than timeouts: a server that answers a valid request with an error is a bug. */
  readonly errors: string[] = [];
  /** Pokes whose changes this desktop applied instead of pulling, and pokes it answered with a pull. */
  pokesApplied = 0;
  pokesPulled = 0;
  private readonly batchSize: number;
  private readonly pageSize: number;

  constructor(
    readonly index: number,
    readonly user: User,
    dir: string,
    private readonly rnd: Random,
    private readonly now: () => string,
  ) {
    const path = join(dir, `client-${index}.sqlite`);
    copyFileSync(emptyReplicaFile(), path);
    this.store = openStore(path);
    this.peek = new Database(path, { readonly: true });
    // Small batches and pages so outboxes and pulls span several requests, where faults can fall between.
    this.batchSize = rnd.int(1, 4);
    this.pageSize = rnd.int(5, 100);
  }

  get path(): string {
    return this.store.path;
  }

  /** kill -9: the store object is dropped without close(); the next start opens the same file. */
  kill(): void {
    this.dead.push(this.store);
    this.store = openStore(this.store.path);
    this.kills++;
  }

  rows<T>(sql: string, ...params: unknown[]): T[] {
    return this.peek.prepare(sql).all(...params) as T[];
  }

  outboxIds(): string[] {
    return this.rows<{ mutation_id: string }>('SELECT mutation_id FROM outbox ORDER BY seq').map(
      (r) => r.mutation_id,
    );
  }

  /** One random thing an agent does; returns false when the UI would have refused it (nothing confirmed). */
  localOp(phones: string[]): boolean {
    const tickets = this.rows<{ id: string; status: TicketStatus }>(
      'SELECT id, status FROM tickets ORDER BY id',
    );
    const customers = this.rows<{ id: string }>('SELECT id FROM customers ORDER BY id');
    const r = this.rnd.float();
    if (r < 0.45 && tickets.length) return this.edit(this.rnd.pick(tickets));
    if (r < 0.75 && tickets.length) return this.comment(this.rnd.pick(tickets).id);
    if (r < 0.88 && customers.length) return this.createTicket(this.rnd.pick(customers).id);
    return this.createCustomer(phones);
  }

  private edit(t: { id: string; status: TicketStatus }): boolean {
    const patch: TicketPatch = {};
    const what = this.rnd.int(0, 2);
    if (what === 0) patch.status = this.rnd.pick(STATUSES);
    else if (what === 1) patch.priority = this.rnd.pick(PRIORITIES);
    else patch.subject = `Subject ${this.rnd.int(1, 5)}`;
    // handlers.ts 'tickets.update': the state machine refuses before anything is written.
    if (patch.status && transitionError(t.status, patch.status)) return false;
    const id = this.rnd.uuid();
    this.store.write.updateTicketLocally(t.id, patch, id, this.now());
    this.confirmed.push({ id, name: 'ticket.update', ticketId: t.id });
    return true;
  }

  private comment(ticketId: string): boolean {
    const id = this.rnd.uuid();
    const commentId = this.rnd.uuid();
    this.store.write.addCommentLocally(
      {
        id: commentId,
        ticketId,
        authorId: this.user.id,
        authorName: this.user.displayName,
        body: `note ${this.rnd.int(1, 1e6)}`,
        internal: this.rnd.chance(0.3),
        createdAt: this.now(),
      },
      id,
    );
    this.confirmed.push({ id, name: 'ticket.comment', ticketId, commentId });
    return true;
  }

  private createTicket(customerId: string): boolean {
    const departmentId = this.user.departmentId!;
    const now = this.now();
    const ticketId = this.rnd.uuid();
    const id = this.rnd.uuid();
    this.store.write.createTicketLocally(
      {
        id: ticketId,
        number: null,
        departmentId,
        customerId,
        subject: `New ${this.rnd.int(1, 1000)}`,
        description: '',
        status: this.rnd.pick(['new', 'open'] as const),
        priority: this.rnd.pick(PRIORITIES),
        assigneeId: this.rnd.chance(0.5) ? this.user.id : null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      },
      null,
      id,
    );
    this.confirmed.push({ id, name: 'ticket.create', ticketId, customerId });
    return true;
  }

  private createCustomer(phones: string[]): boolean {
    // A number some customer may already have (here or in another department) or a fresh one.
    const phone = this.rnd.chance(0.6) ? this.rnd.pick(phones) : `+8613${this.rnd.digits(9)}`;
    // handlers.ts 'customers.create': one customer per number, as far as this replica knows.
    if (this.rows('SELECT 1 FROM customers WHERE phone = ?', phone).length) return false;
    phones.push(phone);
    const now = this.now();
    const customerId = this.rnd.uuid();
    const id = this.rnd.uuid();
    this.store.write.createCustomerLocally(
      {
        id: customerId,
        name: `Customer ${this.rnd.int(1, 1000)}`,
        phone,
        email: null,
        language: 'en',
        company: null,
        createdAt: now,
        updatedAt: now,
        version: 0,
      },
      id,
    );
    this.confirmed.push({ id, name: 'customer.create', customerId });
    return true;
  }

  /**
   * What SyncEngine.runLoop does while connected: pull, push the outbox, and go round again while pushes
   * went through. A transport failure ends the round (the engine retries later); so does a kill.
   */
  async syncRound(net: SimNetwork, killOnAck: number): Promise<void> {
    const conn = net.connection(
      this.user.id,
      () => this.online,
      () => {
        if (this.rnd.chance(killOnAck)) throw new ClientKilled();
      },
    );
    try {
      for (let again = true, rounds = 0; again && rounds < 20; rounds++) {
        await pullAll(conn, this.store, { pageSize: this.pageSize, timeoutMs: 1, onPage: () => {} });
        const pushed = await pushAll(conn, this.store, {
          batchSize: this.batchSize,
          timeoutMs: 1,
          // As the engine does: each refusal is reported when it happens, even if a later batch fails.
          onRejected: (r) => {
            this.refusals.set(r.id, r.message);
            // A refused create takes back what was queued on it; a refused edit or comment only itself.
            if (r.name !== 'ticket.create' && r.name !== 'customer.create') return;
            r.touched.ticketIds.forEach((id) => this.takenBack.tickets.add(id));
            r.touched.customerIds.forEach((id) => this.takenBack.customers.add(id));
          },
        });
        again = pushed.applied > 0;
      }
    } catch (e) {
      if (e instanceof ClientKilled) this.kill();
      else if (!(e instanceof SimTimeout)) this.errors.push(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * What SyncEngine does with a poke that arrives between sync rounds: apply the changes it carries when they
   * continue this replica (applyPoke, the engine's own call), else pull; a queued edit still needs a round.
   */
  async poked(raw: unknown, net: SimNetwork, killOnAck: number): Promise<void> {
    const poke = Poke.safeParse(raw);
    const applied = poke.success ? applyPoke(this.store, poke.data) : null;
    if (applied) this.pokesApplied++;
    else this.pokesPulled++;
    if (!applied || this.outboxIds().length > 0) await this.syncRound(net, killOnAck);
  }

  close(): void {
    this.peek.close();
    for (const s of [...this.dead, this.store]) s.close();
  }
}

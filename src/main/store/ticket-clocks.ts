import type { Database, Statement } from 'better-sqlite3';
import { TicketStatus } from '../../shared/domain';

/**
 * Every ticket's SLA clock as "Breaching soon" asks about it (the due time of a running clock, and the status),
 * in memory, in the order of the search index's keys (`seq`), so counting a text's matches under that filter, or
 * under a status filter alone, checks each match in a typed array instead of one seek of tickets_seq_sla per match
 * (or, for a status, FTS5 stepping through status tokens a fifth of the tickets hold each: text with "new, open or
 * pending" counted that way cost p95 ~35 ms in relevance order, ~27 ms this way).
 *
 * Why: text under "Breaching soon" over a million tickets cost p95 29-34 ms (bench:store), two thirds of it the
 * total: each of up to 20,000 matches joined to its due time, ~1 us a seek once the search index's pages had
 * pushed the due index's out of the cache. Counted here from the matches' keys alone: p95 15-17 ms. The build
 * reads a million tickets in ~0.9 s, once per open replica; 17 bytes a ticket.
 *
 * Kept true to what is committed, never trusted beyond that:
 * - Built on first use from the reading connection (one statement: one snapshot).
 * - Temporary triggers on the writing connection note each ticket whose key, status, due time or clock state is
 *   inserted, changed or deleted; before a count, those are read again from the reading connection (committed
 *   values), so a rolled-back write leaves nothing behind.
 * - A count asked while the writer is inside a transaction, or after another connection committed to the file
 *   (PRAGMA data_version on the writer), or with a match this copy does not hold (but for a search-index row with
 *   no ticket, which a copy just built shows to be one), is not answered here: the caller counts in SQL, and the
 *   copy is built again (the last two) on its next use.
 */
export class TicketClocks {
  /** Ticket keys, ascending; [0, size) in use. */
  private keys = new Float64Array(0);
  /** The due time of a running clock (not paused, with a due time), else +Infinity: "due by" is one compare. */
  private due = new Float64Array(0);
  /** One bit per status (STATUS_BIT), 0 for a ticket deleted since the build. */
  private status = new Uint8Array(0);
  private size = 0;
  private built = false;
  private watching = false;
  /** Keys touched by the writer since the last count. */
  private readonly touched = new Set<number>();
  /** Search-index keys with no ticket, met since the last build. */
  private readonly orphans = new Set<number>();
  private version = 0;
  private readonly read: { all: Statement; some: Statement };
  private readonly writerVersion: Statement;

  constructor(
    private readonly writer: Database,
    reader: Database,
  ) {
    const columns = `seq, CASE WHEN sla_state = 'paused' THEN NULL ELSE sla_due_at END, ${STATUS_CODE}`;
    this.read = {
      all: reader.prepare(`SELECT ${columns} FROM tickets WHERE seq IS NOT NULL ORDER BY seq`).raw(),
      some: reader
        .prepare(`SELECT ${columns} FROM tickets WHERE seq IN (SELECT value FROM json_each(?))`)
        .raw(),
    };
    this.writerVersion = writer.prepare('PRAGMA data_version').pluck();
    writer.function('sb_clock_touched', { deterministic: false }, (seq: unknown) => {
      // Past REBUILD_AT, a build is cheaper.
      if (this.built && typeof seq === 'number' && this.touched.size <= REBUILD_AT) this.touched.add(seq);
      return null;
    });
  }

  /**
   * How many of a text's matches, read from the search index in key order by `matches` (keys above `after`, at
   * most `limit`), have one of `statuses` (null: any) and, given `dueBy`, a running clock due at or before it,
   * counting up to `cap`. null: not answerable here now (see the class); count in SQL.
   */
  count(
    matches: (after: number, limit: number) => number[],
    filter: { dueBy: number | null; statuses: readonly string[] | null },
    cap: number,
  ): number | null {
    const state = this.current();
    if (state === null) return null;
    const { statuses } = filter;
    const mask = statuses === null ? ANY_STATUS : statuses.reduce((m, s) => m | statusBit(s), 0);
    // No bound: every clock passes (a ticket with none holds +Infinity, which is not above it).
    const bound = filter.dueBy ?? Infinity;
    const { keys, due, status, size } = this;
    let n = 0;
    let at = 0;
    let after = Number.MIN_SAFE_INTEGER;
    let read = 0;
    let want = FIRST_CHUNK;
    for (;;) {
      const got = matches(after, want);
      read += got.length;
      for (const key of got) {
        at = seek(keys, size, at, key);
        if (at >= size || keys[at] !== key) {
          // A match with no ticket: an index row left behind, which the join of a count in SQL drops too. Unknown
          // to a copy just built, it is one; otherwise the copy may have missed a change, and is built again.
          if (state === 'built' || this.orphans.has(key)) {
            this.orphans.add(key);
            continue;
          }
          this.built = false;
          return null;
        }
        if (due[at]! <= bound && (status[at]! & mask) !== 0 && ++n >= cap) return n;
      }
      if (got.length < want) return n;
      after = got[got.length - 1]!;
      // As many more as the share passing so far says reach the cap, and a quarter more.
      want = Math.min(
        MAX_CHUNK,
        Math.max(FIRST_CHUNK, Math.ceil((1.25 * (cap - n) * read) / Math.max(1, n))),
      );
    }
  }

  /**
   * Brings the copy up to what is committed: 'built' when it was built again for it, null when that cannot be
   * known now (the writer is mid-transaction).
   */
  private current(): 'built' | 'kept' | null {
    if (this.writer.inTransaction) return null;
    const version = this.writerVersion.get() as number;
    if (version !== this.version || this.touched.size > REBUILD_AT) this.built = false;
    this.version = version;
    if (!this.built) {
      this.touched.clear();
      this.build();
      return 'built';
    }
    if (this.touched.size > 0) {
      const keys = [...this.touched];
      this.touched.clear();
      this.update(keys);
    }
    return 'kept';
  }

  private build(): void {
    // Watched from the first build on: a replica never counted this way pays nothing on its writes.
    if (!this.watching) {
      const clock = (row: 'NEW' | 'OLD') =>
        [`${row}.seq`, `${row}.status`, `${row}.sla_due_at`, `${row}.sla_state`].join(', ');
      this.writer.exec(`
        CREATE TEMP TRIGGER IF NOT EXISTS sb_clock_insert AFTER INSERT ON main.tickets
          BEGIN SELECT sb_clock_touched(NEW.seq); END;
        CREATE TEMP TRIGGER IF NOT EXISTS sb_clock_delete AFTER DELETE ON main.tickets
          BEGIN SELECT sb_clock_touched(OLD.seq); END;
        CREATE TEMP TRIGGER IF NOT EXISTS sb_clock_update AFTER UPDATE OF seq, status, sla_due_at, sla_state
          ON main.tickets WHEN (${clock('OLD')}) IS NOT (${clock('NEW')})
          BEGIN SELECT sb_clock_touched(OLD.seq); SELECT sb_clock_touched(NEW.seq); END;
      `);
      this.watching = true;
    }
    this.orphans.clear();
    let size = 0;
    let capacity = 1024;
    let keys = new Float64Array(capacity);
    let due = new Float64Array(capacity);
    let status = new Uint8Array(capacity);
    for (const [seq, dueAt, code] of this.read.all.iterate() as Iterable<Row>) {
      if (size === capacity) {
        capacity *= 2;
        keys = grow(keys, capacity);
        due = grow(due, capacity);
        status = grow(status, capacity);
      }
      keys[size] = seq;
      due[size] = dueAt ?? Infinity;
      status[size] = code;
      size++;
    }
    this.keys = keys;
    this.due = due;
    this.status = status;
    this.size = size;
    this.built = true;
  }

  /** The touched keys read again: changed in place, new ones merged in, deleted ones left with no status. */
  private update(touched: number[]): void {
    const rows = new Map<number, Row>();
    for (let i = 0; i < touched.length; i += 500)
      for (const row of this.read.some.all(JSON.stringify(touched.slice(i, i + 500))) as Row[])
        rows.set(row[0], row);
    const added: Row[] = [];
    for (const key of touched) {
      const at = seek(this.keys, this.size, 0, key);
      const row = rows.get(key);
      if (at < this.size && this.keys[at] === key) {
        this.due[at] = row?.[1] ?? Infinity;
        this.status[at] = row?.[2] ?? 0;
      } else if (row) added.push(row);
    }
    if (added.length > 0) this.insert(added.sort((a, b) => a[0] - b[0]));
  }

  /** New keys (ascending): appended when all come after the last one (a new ticket), else merged in. */
  private insert(rows: Row[]): void {
    const size = this.size + rows.length;
    const capacity = Math.max(1024, this.keys.length);
    const room = size <= capacity ? capacity : Math.max(size, capacity * 2);
    const keys = room === this.keys.length ? this.keys : grow(this.keys, room);
    const due = room === this.due.length ? this.due : grow(this.due, room);
    const status = room === this.status.length ? this.status : grow(this.status, room);
    // From the end backwards, so the merge works in place.
    let a = this.size - 1;
    let b = rows.length - 1;
    for (let to = size - 1; b >= 0; to--) {
      if (a >= 0 && keys[a]! > rows[b]![0]) {
        keys[to] = keys[a]!;
        due[to] = due[a]!;
        status[to] = status[a]!;
        a--;
      } else {
        const [seq, dueAt, code] = rows[b--]!;
        keys[to] = seq;
        due[to] = dueAt ?? Infinity;
        status[to] = code;
      }
    }
    this.keys = keys;
    this.due = due;
    this.status = status;
    this.size = size;
  }
}

type Row = [seq: number, dueAt: number | null, status: number];

/**
 * Keys read from the search index at first, then as many as the share passing so far says reach the cap. Fewer
 * meant asking the index again for the next ones, each time merging a prefix's terms anew; more meant reading past
 * the cap for a common word (bench:store, text under "Breaching soon": p95 21.8 ms reading 8,192 first, 17.1 ms
 * reading 32,768).
 */
const FIRST_CHUNK = 32_768;
const MAX_CHUNK = 65_536;

/** More touched tickets than this (a first sync, an SLA recomputation) and the copy is built again instead. */
const REBUILD_AT = 50_000;

// One bit each in a byte, the eighth for a status this build does not know.
if (TicketStatus.options.length > 7) throw new Error('TicketClocks holds at most 7 statuses in a byte');
const statusBit = (s: string) => {
  const i = (TicketStatus.options as readonly string[]).indexOf(s);
  return i < 0 ? 0 : 1 << i;
};
/** A status this build does not know (a newer server's) is still a ticket: it passes "any status". */
const UNKNOWN_STATUS = 0x80;
const ANY_STATUS = 0xff;
const STATUS_CODE = `CASE status ${TicketStatus.options
  .map((s) => `WHEN '${s}' THEN ${statusBit(s)}`)
  .join(' ')} ELSE ${UNKNOWN_STATUS} END`;

function grow<T extends Float64Array | Uint8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/**
 * The first index at or after `from` whose key is not below `key` (keys ascending): galloping, since the matches
 * come in key order too and are often close together.
 */
function seek(keys: Float64Array, size: number, from: number, key: number): number {
  if (from >= size || keys[from]! >= key) return from;
  let lo = from;
  let step = 1;
  while (lo + step < size && keys[lo + step]! < key) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(size, lo + step);
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

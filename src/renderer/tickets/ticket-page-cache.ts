import type { ErrorBody, TicketPage, TicketRow } from '../../shared';
import { errorBodyOf } from '../api/api-error';

export type FetchPage = (offset: number, limit: number) => Promise<TicketPage>;

interface Page {
  rows: TicketRow[];
  epoch: number;
}

/**
 * Rows of one ticket query, fetched a page at a time by offset as the list scrolls. A data change bumps
 * the epoch: pages already shown stay on screen until their refetch lands, so the list never blinks,
 * and pages scrolled away are refetched when they come back into view.
 */
export class TicketPageCache {
  total: number | null = null;
  /**
   * The services may stop counting early and report a lower bound: when the page that reaches the
   * total comes back full, there may be more, so the list keeps one row beyond it to fetch onwards.
   */
  more = false;
  error: ErrorBody | null = null;
  private readonly pages = new Map<number, Page>();
  private readonly inFlight = new Map<number, number>();
  private epoch = 0;
  private range: [number, number] = [0, 0];
  private disposed = false;

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly onUpdate: () => void,
    readonly pageSize = 100,
  ) {}

  /** Rows the list should lay out: the total, plus a loading row while more may follow. */
  get count(): number {
    return (this.total ?? 0) + (this.more ? 1 : 0);
  }

  rowAt(index: number): TicketRow | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.rows[index % this.pageSize];
  }

  /** Where a ticket is among the loaded rows (checking the hint first), or -1. */
  indexOf(id: string, hint = -1): number {
    if (hint >= 0 && this.rowAt(hint)?.id === id) return hint;
    for (const [page, { rows }] of this.pages) {
      const i = rows.findIndex((r) => r.id === id);
      if (i >= 0) return page * this.pageSize + i;
    }
    return -1;
  }

  /** Make sure rows start..end (inclusive) are loaded or loading. */
  ensure(start: number, end: number): void {
    this.range = [start, end];
    const first = Math.floor(Math.max(0, start) / this.pageSize);
    const last = Math.floor(Math.max(0, end) / this.pageSize);
    for (let p = first; p <= last; p++) this.load(p);
  }

  /** Something changed: refetch what is in view now, the rest when it is scrolled to. */
  invalidate(): void {
    this.epoch++;
    this.ensure(...this.range);
  }

  dispose(): void {
    this.disposed = true;
  }

  private load(page: number): void {
    const have = this.pages.get(page);
    if (have && have.epoch === this.epoch) return;
    if (this.inFlight.get(page) === this.epoch) return;
    if (this.total !== null && page > 0 && page * this.pageSize >= this.count) return;
    const epoch = this.epoch;
    this.inFlight.set(page, epoch);
    this.fetchPage(page * this.pageSize, this.pageSize).then(
      (result) => {
        if (this.disposed) return;
        if (this.inFlight.get(page) === epoch) this.inFlight.delete(page);
        const current = this.pages.get(page);
        if (current && current.epoch > epoch) return;
        this.pages.set(page, { rows: result.rows, epoch });
        this.total = result.total;
        const offset = page * this.pageSize;
        if (offset + result.rows.length >= result.total) this.more = result.rows.length === this.pageSize;
        this.error = null;
        this.onUpdate();
      },
      (e: unknown) => {
        if (this.disposed) return;
        if (this.inFlight.get(page) === epoch) this.inFlight.delete(page);
        this.error = errorBodyOf(e);
        this.onUpdate();
      },
    );
  }
}

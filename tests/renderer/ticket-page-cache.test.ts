import { describe, expect, it } from 'vitest';
import type { TicketPage, TicketRow } from '../../src/shared';
import { TicketPageCache } from '../../src/renderer/tickets/ticket-page-cache';

const row = (i: number) => ({ id: `t${i}`, subject: `s${i}` }) as unknown as TicketRow;

function source(total: number, reported = total) {
  const calls: number[] = [];
  let version = 0;
  const fetch = async (offset: number, limit: number): Promise<TicketPage> => {
    calls.push(offset);
    const n = Math.max(0, Math.min(limit, total - offset));
    const v = version;
    return {
      total: Math.max(Math.min(reported, total), offset + n),
      rows: Array.from({ length: n }, (_, k) => ({ ...row(offset + k), subject: `s${offset + k}v${v}` })),
    };
  };
  return { calls, fetch, bump: () => version++ };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('TicketPageCache', () => {
  it('fetches the pages a range needs, once each', async () => {
    const src = source(1000);
    const cache = new TicketPageCache(src.fetch, () => {}, 100);
    cache.ensure(0, 0);
    await settle();
    expect(cache.total).toBe(1000);
    cache.ensure(150, 320);
    cache.ensure(150, 320);
    await settle();
    expect(src.calls).toEqual([0, 100, 200, 300]);
    expect(cache.rowAt(250)?.id).toBe('t250');
    expect(cache.rowAt(450)).toBeUndefined();
  });

  it('refetches the visible pages on invalidate and keeps old rows until then', async () => {
    const src = source(1000);
    const cache = new TicketPageCache(src.fetch, () => {}, 100);
    cache.ensure(0, 0);
    cache.ensure(100, 150);
    await settle();
    src.bump();
    cache.invalidate();
    expect(cache.rowAt(120)?.subject).toBe('s120v0');
    await settle();
    expect(cache.rowAt(120)?.subject).toBe('s120v1');
    expect(src.calls).toEqual([0, 100, 100]);
  });

  it('keeps paging past a total that was only a lower bound', async () => {
    const src = source(250, 100); // the services stop counting at 100
    const cache = new TicketPageCache(src.fetch, () => {}, 100);
    cache.ensure(0, 0);
    await settle();
    expect([cache.total, cache.more, cache.count]).toEqual([100, true, 101]);
    cache.ensure(0, 100);
    await settle();
    expect([cache.total, cache.more]).toEqual([200, true]);
    cache.ensure(150, 200);
    await settle();
    expect([cache.total, cache.more, cache.count]).toEqual([250, false, 250]);
  });

  it('records a failed page as an error body', async () => {
    const cache = new TicketPageCache(
      async () => {
        throw new Error('{"code":"unavailable","message":"host gone"}');
      },
      () => {},
    );
    cache.ensure(0, 0);
    await settle();
    expect(cache.error?.code).toBe('unavailable');
  });
});

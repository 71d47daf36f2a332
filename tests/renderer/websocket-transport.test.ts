import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SwitchboardError } from '../../src/shared';
import { HostConnectionState } from '../../src/renderer/api/host-connection';
import { WebSocketTransport, type SocketLike } from '../../src/renderer/api/websocket-transport';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  push(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

let sockets: FakeSocket[];
let connection: HostConnectionState;
let transport: WebSocketTransport;

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  connection = new HostConnectionState('connecting');
  transport = new WebSocketTransport({
    url: 'ws://host/ipc?device=abc',
    connection,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    minBackoffMs: 100,
    maxBackoffMs: 1000,
  });
});

afterEach(() => {
  transport.dispose();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('WebSocketTransport', () => {
  it('holds invokes until the first connection opens, then matches results by id', async () => {
    const p = transport.invoke('sync.status', {});
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(connection.get()).toBe('connected');
    expect(sockets[0]!.sent).toEqual([{ id: 1, method: 'sync.status', input: {} }]);
    sockets[0]!.push({ id: 1, ok: true, output: { answer: 42 } });
    await expect(p).resolves.toEqual({ answer: 42 });
  });

  it('rejects with the ErrorBody of a failed result', async () => {
    sockets[0]!.open();
    const p = transport.invoke('tickets.get', { id: 'x' });
    sockets[0]!.push({
      id: 1,
      ok: false,
      error: { code: 'not_found', message: 'No such ticket', issues: [] },
    });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SwitchboardError);
    expect((e as SwitchboardError).toBody()).toEqual({
      code: 'not_found',
      message: 'No such ticket',
      issues: [],
    });
  });

  it('keeps how long a throttled sign-in must wait, so the screen can say so', async () => {
    sockets[0]!.open();
    const p = transport.invoke('auth.login', {
      serverUrl: 'http://127.0.0.1:4000',
      username: 'agent01',
      password: 'guess',
      remember: false,
    });
    const error = { code: 'too_many_attempts', message: 'Too many failed sign-ins.', retryAfterSeconds: 8 };
    sockets[0]!.push({ id: 1, ok: false, error });
    const e = await p.catch((x: unknown) => x);
    expect((e as SwitchboardError).toBody()).toEqual(error);
  });

  it('delivers pushed events to their listeners only', () => {
    sockets[0]!.open();
    const seen: unknown[] = [];
    const off = transport.on('data.changed', (p) => seen.push(p));
    transport.on('sync.status', () => seen.push('wrong'));
    sockets[0]!.push({ event: 'data.changed', payload: { all: true } });
    off();
    sockets[0]!.push({ event: 'data.changed', payload: { all: false } });
    expect(seen).toEqual([{ all: true }]);
  });

  it('fails what was in flight when the socket drops, says the host is unreachable, and reconnects with backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
    sockets[0]!.open();
    const p = transport.invoke('sync.status', {});
    sockets[0]!.drop();
    const e = (await p.catch((x: unknown) => x)) as SwitchboardError;
    expect(e.code).toBe('unavailable');
    expect(connection.get()).toBe('unreachable');
    // While unreachable, new calls fail at once instead of hanging.
    await expect(transport.invoke('sync.status', {})).rejects.toMatchObject({ code: 'unavailable' });

    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2); // the second wait is twice the first
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(connection.get()).toBe('connected');
    const q = transport.invoke('sync.status', {});
    const sent = sockets[2]!.sent[0] as { id: number };
    sockets[2]!.push({ id: sent.id, ok: true, output: 'ok' });
    await expect(q).resolves.toBe('ok');
  });

  it('gives up waiting for a first connection that never comes', async () => {
    const p = transport.invoke('sync.status', {});
    vi.advanceTimersByTime(8001);
    await expect(p).rejects.toMatchObject({ code: 'unavailable' });
  });
});

import { describe, expect, it } from 'vitest';
import { SwitchboardError, type SwitchboardApi, type SwitchboardBridge } from '../../src/shared';
import { bridgeApi } from '../../src/renderer/api/bridge-api';
import { toSwitchboardError } from '../../src/renderer/api/api-error';
import { validatedApi } from '../../src/renderer/api/validated-api';

const status = {
  state: 'online',
  pending: 0,
  lastSyncedAt: null,
  cursor: 5,
  head: 5,
  lastError: null,
  nextRetryAt: null,
  storageFault: null,
  setAside: null,
};

function carrier(
  answer: (method: string, input: unknown) => unknown,
): SwitchboardApi & { events: Map<string, (p: unknown) => void> } {
  const events = new Map<string, (p: unknown) => void>();
  return {
    events,
    invoke: (async (m: string, i: unknown) => answer(m, i)) as SwitchboardApi['invoke'],
    on: ((e: string, l: (p: unknown) => void) => {
      events.set(e, l);
      return () => events.delete(e);
    }) as SwitchboardApi['on'],
  };
}

describe('validatedApi', () => {
  it('passes valid outputs through', async () => {
    const api = validatedApi(carrier(() => status));
    await expect(api.invoke('sync.status', {})).resolves.toEqual(status);
  });

  it('refuses a malformed output with an internal error naming the field', async () => {
    const api = validatedApi(carrier(() => ({ ...status, state: 'sleeping' })));
    const e = (await api.invoke('sync.status', {}).catch((x: unknown) => x)) as SwitchboardError;
    expect(e).toBeInstanceOf(SwitchboardError);
    expect(e.code).toBe('internal');
    expect(e.message).toContain('state');
  });

  it('checks input before it leaves, as bad_request with issues', async () => {
    let called = false;
    const api = validatedApi(
      carrier(() => {
        called = true;
      }),
    );
    const e = (await api
      .invoke('auth.login', { serverUrl: 'not a url', username: 'a', password: 'b', remember: false })
      .catch((x: unknown) => x)) as SwitchboardError;
    expect(called).toBe(false);
    expect(e.code).toBe('bad_request');
    expect(e.issues?.[0]?.path).toBe('serverUrl');
  });

  it('drops malformed events and delivers valid ones', () => {
    const c = carrier(() => null);
    const seen: unknown[] = [];
    validatedApi(c).on('sync.status', (s) => seen.push(s.state));
    c.events.get('sync.status')!({ nonsense: true });
    c.events.get('sync.status')!(status);
    expect(seen).toEqual(['online']);
  });
});

describe('bridgeApi', () => {
  it('unwraps envelopes into outputs and SwitchboardErrors, and fans events out', async () => {
    let emit: (m: { event: string; payload: unknown }) => void = () => {};
    const bridge: SwitchboardBridge = {
      invokeRaw: async (method) =>
        method === 'sync.status'
          ? { id: 0, ok: true, output: status }
          : { id: 0, ok: false, error: { code: 'forbidden', message: 'Not yours' } },
      onEvent: (l) => {
        emit = l;
        return () => {};
      },
    };
    const api = bridgeApi(bridge);
    await expect(api.invoke('sync.status', {})).resolves.toEqual(status);
    await expect(api.invoke('tickets.get', { id: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'Not yours',
    });
    const seen: string[] = [];
    api.on('session.ended', (p) => seen.push(p.reason));
    emit({ event: 'session.ended', payload: { reason: 'revoked' } });
    emit({ event: 'data.changed', payload: {} });
    expect(seen).toEqual(['revoked']);
  });
});

describe('toSwitchboardError', () => {
  it('finds an ErrorBody wherever a carrier put it', () => {
    expect(toSwitchboardError({ code: 'conflict', message: 'm' }).code).toBe('conflict');
    expect(
      toSwitchboardError(new Error('Error invoking: {"code":"unavailable","message":"down"}')).code,
    ).toBe('unavailable');
    expect(toSwitchboardError(new Error('boom')).toBody()).toEqual({ code: 'internal', message: 'boom' });
  });
});

import { describe, expect, it } from 'vitest';
import { deviceId } from '../../src/renderer/api/device-id';
import { ipcUrl } from '../../src/renderer/api/ipc-url';

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

describe('browser-mode addressing', () => {
  it('makes a device id once and keeps it', () => {
    const s = memoryStorage();
    const id = deviceId(s);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(deviceId(s)).toBe(id);
    expect(s.getItem('switchboard.deviceId')).toBe(id);
  });

  it('derives the websocket address from the page origin', () => {
    expect(ipcUrl({ protocol: 'http:', host: '127.0.0.1:4100' }, 'abc')).toBe(
      'ws://127.0.0.1:4100/ipc?device=abc',
    );
    expect(ipcUrl({ protocol: 'https:', host: 'desk.example.com' }, 'a b')).toBe(
      'wss://desk.example.com/ipc?device=a%20b',
    );
  });
});

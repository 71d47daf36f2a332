import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SlaKeeper } from '../../../src/main/services/sla-keeper';
import { openStore, type LocalStore } from '../../../src/main/store';
import { SwitchboardError } from '../../../src/shared/protocol/errors';
import type { SlaAlert } from '../../../src/shared/protocol/sla';
import { tempDir } from '../fixtures';

/**
 * One set of alerts shown per session, whatever sends them: the service's escalation rules (over the socket)
 * and the desktop's own clock raise the same warning for the same ticket, and the agent sees it once.
 */
let dir: ReturnType<typeof tempDir> | undefined;
let store: LocalStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  dir?.remove();
  dir = undefined;
});

const alert = (over: Partial<SlaAlert> = {}): SlaAlert => ({
  ticketId: '0190c000-0000-7000-8000-000000000001',
  ticketNumber: 42,
  subject: '退款申请未到账',
  departmentId: '0190a000-0000-7000-8000-00000000000a',
  target: 'firstResponse',
  kind: 'warning',
  dueAt: '2026-12-05T08:00:00.000Z',
  at: '2026-12-05T07:40:00.000Z',
  source: 'service',
  ...over,
});

describe('SLA alerts in a session', () => {
  it('shows an alert once whether the service sends it again or the desktop raised it too', () => {
    dir = tempDir('sb-sla-once-');
    store = openStore(join(dir.path, 'replica.sqlite'));
    const shown: SlaAlert[] = [];
    const keeper = new SlaKeeper({
      store,
      userId: '0190b000-0000-7000-8000-0000000000a1',
      watchDepartmentId: null,
      fetchConfig: () => Promise.reject(new Error('offline')),
      emit: (event, payload) => {
        if (event === 'sla.alert') shown.push(payload as SlaAlert);
      },
    });
    keeper.serverAlert(alert());
    keeper.serverAlert(alert({ at: '2026-12-05T07:41:00.000Z' }));
    keeper.serverAlert(alert({ source: 'desktop' }));
    expect(shown).toHaveLength(1);
    // Another kind, or the same target due at another time (the policy changed), is another alert.
    keeper.serverAlert(alert({ kind: 'breach' }));
    keeper.serverAlert(alert({ dueAt: '2026-12-05T09:00:00.000Z' }));
    expect(shown.map((a) => [a.kind, a.dueAt])).toEqual([
      ['warning', '2026-12-05T08:00:00.000Z'],
      ['breach', '2026-12-05T08:00:00.000Z'],
      ['warning', '2026-12-05T09:00:00.000Z'],
    ]);
  });
});

describe('SLA configuration in the background', () => {
  it('going online with the service unreachable and nothing cached leaves no unhandled rejection', async () => {
    dir = tempDir('sb-sla-cfg-');
    store = openStore(join(dir.path, 'replica.sqlite'));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const logged: string[] = [];
    try {
      const keeper = new SlaKeeper({
        store,
        userId: '0190b000-0000-7000-8000-0000000000a1',
        watchDepartmentId: null,
        fetchConfig: () => Promise.reject(new SwitchboardError('unavailable', 'Cannot reach the server')),
        emit: () => {},
        log: (line) => logged.push(line),
      });
      keeper.syncState('online');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      // The next try (going online again) is still made.
      keeper.syncState('offline');
      keeper.syncState('online');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      keeper.stop();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

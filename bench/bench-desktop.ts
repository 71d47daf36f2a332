/**
 * A real desktop for the benchmarks (the desktop services the Electron shell and the browser-mode host run, with
 * no vault), and the one measurement bench:sync and bench:cluster both make with two of them: an edit on one
 * desktop until the other shows it.
 */
import { performance } from 'node:perf_hooks';
import { createDesktopServices, type DesktopServices } from '../src/main/services';
import { NoVault } from '../src/main/vault';
import type { EventName, EventPayload, MethodName, MethodOutput } from '../src/shared/ipc/contract';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BenchDesktop {
  dataDir: string;
  services: DesktopServices;
  call<M extends MethodName>(method: M, input: unknown): Promise<MethodOutput<M>>;
  /** Called on every data.changed with the ticket ids it names (all: every ticket may have changed). */
  onChanged: ((ticketIds: string[], all: boolean) => void) | null;
  /** Called on every sync.status. */
  onStatus: ((s: EventPayload<'sync.status'>) => void) | null;
}

export function benchDesktop(dataDir: string, deviceId: string): BenchDesktop {
  const d: BenchDesktop = {
    dataDir,
    services: createDesktopServices({
      dataDir,
      deviceId,
      vault: new NoVault(),
      emit: <E extends EventName>(event: E, payload: EventPayload<E>) => {
        if (event === 'data.changed') {
          const p = payload as EventPayload<'data.changed'>;
          d.onChanged?.(p.ticketIds, p.all);
        } else if (event === 'sync.status') d.onStatus?.(payload as EventPayload<'sync.status'>);
      },
      log: (line) => console.log(`  [${deviceId}] ${line}`),
    }),
    async call(method, input) {
      const r = await d.services.invoke(method, input);
      if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
      return r.output as never;
    },
    onChanged: null,
    onStatus: null,
  };
  return d;
}

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const nextPriority = (p: Priority): Priority =>
  PRIORITIES[(PRIORITIES.indexOf(p) + 1) % PRIORITIES.length]!;

/**
 * Moves the ticket's priority on by one on desktop `a` and resolves with the milliseconds until desktop `b` shows
 * it; fails after 30 s, naming `b` as `where`.
 */
export async function editSeenMs(
  a: BenchDesktop,
  b: BenchDesktop,
  id: string,
  where: string,
): Promise<number> {
  const want = nextPriority((await b.call('tickets.get', { id })).ticket.priority);
  let seen!: () => void;
  const visible = new Promise<void>((r) => (seen = r));
  b.onChanged = (changed, everything) => {
    if (!everything && !changed.includes(id)) return;
    void b.call('tickets.get', { id }).then((d) => d.ticket.priority === want && seen());
  };
  try {
    const t0 = performance.now();
    await a.call('tickets.update', { id, patch: { priority: want } });
    await Promise.race([
      visible,
      sleep(30_000).then(() => {
        throw new Error(`ticket ${id} did not reach ${where}`);
      }),
    ]);
    return performance.now() - t0;
  } finally {
    b.onChanged = null;
  }
}

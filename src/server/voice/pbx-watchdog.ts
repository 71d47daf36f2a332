import type { Db } from '../db/schema';
import { ensureSipAccounts, pushSipAccounts, type PbxController } from './credentials';

/**
 * Kamailio keeps SIP users in memory: after a restart it refuses every agent until someone gives them back.
 * The service checks every few seconds whether the PBX still knows an agent's account and, when it does
 * not, pushes all of them again, so phones re-register after a PBX restart without anyone's help.
 */
export function watchPbx(opts: {
  db: Db;
  pbx: PbxController;
  intervalMs: number;
  now: () => Date;
  log: (line: string) => void;
}): { stop(): void } {
  const { pbx } = opts;
  const has = pbx.hasSipUser?.bind(pbx);
  if (!has) return { stop() {} };
  let running = false;
  let unreachable = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const accounts = await ensureSipAccounts(opts.db, opts.now());
      const marker = accounts[0];
      if (!marker) return;
      if (await has(marker.extension)) {
        unreachable = false;
        return;
      }
      await pushSipAccounts(pbx, accounts);
      unreachable = false;
      opts.log(`The PBX had lost its SIP users (restarted?): pushed ${accounts.length} agents again.`);
    } catch (e) {
      if (!unreachable) opts.log(`PBX check failed: ${e instanceof Error ? e.message : String(e)}`);
      unreachable = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

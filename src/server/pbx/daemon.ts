// A PBX daemon (Kamailio, rtpengine) run in the foreground in its own process group, its output logged, ready
// once it answers on its control interface. Self-contained: imports nothing else of src/server.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Daemon {
  pid: number;
  /** SIGTERM, then SIGKILL to the whole group after 5 s; nothing of the group is left afterwards. */
  stop(): Promise<void>;
}

export interface StartDaemonOptions {
  /** As the errors name it: "Kamailio", "rtpengine". */
  name: string;
  cmd: string;
  args: string[];
  cwd: string;
  log: (line: string) => void;
  startTimeoutMs: number;
  /** True once the daemon answers on its control interface; a throw counts as not yet. */
  ready: () => Promise<boolean>;
  /** What did not answer, for the time-out's error ("JSON-RPC at URL in time"). */
  readyWhat: string;
}

export async function startDaemon(opts: StartDaemonOptions): Promise<Daemon> {
  // Own process group, so stop() can end the daemon's workers too if its main process fails to.
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail: string[] = [];
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      res();
    });
  });
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      opts.log(line);
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);
  const killGroup = () => killProcessGroup(child);
  process.once('exit', killGroup);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killGroup);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(), 5_000);
    await exitPromise;
    clearTimeout(timer);
    // Workers follow the main process; make sure none is left in the group.
    killGroup();
  };

  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    if (exited) {
      process.removeListener('exit', killGroup);
      throw new Error(
        `${opts.name} exited during start (code ${exited.code}, signal ${exited.signal}):\n${tail.join('\n')}`,
      );
    }
    try {
      if (await opts.ready()) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} did not answer ${opts.readyWhat}:\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid as number, stop };
}

function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

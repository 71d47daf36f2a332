import { contract, type EventName, type EventPayload, type MethodName } from '../../shared/ipc/contract';
import { parseOrThrow, SwitchboardError, type ErrorBody } from '../../shared/protocol/errors';
import { asStorageError } from '../store';
import type { ConnectionFactory } from '../sync';
import type { CredentialVault } from '../vault';
import { createHandlers } from './handlers';
import { SessionManager } from './session';

export { storePath, normaliseServerUrl, parseServerUrls } from './session';
import { parseServerUrls } from './session';

export type InvokeResult = { ok: true; output: unknown } | { ok: false; error: ErrorBody };

export interface DesktopServicesOptions {
  dataDir: string;
  deviceId: string;
  vault: CredentialVault;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  log?: (line: string) => void;
  /** Override the sync connection (tests). */
  connect?: ConnectionFactory;
  /**
   * The central services sign-in may name; null: any. Left out, SWITCHBOARD_SERVER_URLS decides, and
   * without it any server is allowed: an agent's own desktop may name whatever server it is given.
   */
  allowedServerUrls?: readonly string[] | null;
}

export interface DesktopServices {
  invoke(method: string, input: unknown): Promise<InvokeResult>;
  dispose(): Promise<void>;
}

const isMethod = (m: unknown): m is MethodName => typeof m === 'string' && Object.hasOwn(contract, m);
/** A method name as an error quotes it: whatever a broken or hostile caller sent, a line, not megabytes. */
const quoted = (m: unknown) => {
  const s = typeof m === 'string' ? m : `(${typeof m})`;
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
};
/** Output checks cost time on big pages: on in development and tests, off in a packaged build. */
const checkOutput = process.env['NODE_ENV'] !== 'production';

/**
 * The desktop services behind the contract (src/shared/ipc/contract.ts): the same object serves the
 * Electron window over IPC and browser tabs over the host's websocket.
 */
export function createDesktopServices(opts: DesktopServicesOptions): DesktopServices {
  const allowedServerUrls =
    opts.allowedServerUrls !== undefined
      ? opts.allowedServerUrls
      : parseServerUrls(process.env['SWITCHBOARD_SERVER_URLS']);
  const sessions = new SessionManager({ ...opts, allowedServerUrls });
  const handlers = createHandlers(sessions, opts.emit);
  let disposed = false;

  return {
    async invoke(method, input) {
      try {
        if (disposed) throw new SwitchboardError('unavailable', 'The desktop services are shutting down.');
        if (!isMethod(method)) {
          throw new SwitchboardError(
            'bad_request',
            `Unknown method ${quoted(method)}: this desktop may be older than the window calling it. Restart Switchboard.`,
          );
        }
        const spec = contract[method];
        const parsed = parseOrThrow(spec.input, input ?? {}, `${method} input`);
        const output = await (handlers[method] as (i: unknown) => Promise<unknown>)(parsed);
        if (checkOutput) parseOrThrow(spec.output, output, `${method} output`);
        return { ok: true, output };
      } catch (caught) {
        // A storage fault (disk full, read-only folder, locked or damaged replica) gets its own code and next
        // step, and stops the sync engine from retrying into the same fault.
        const active = sessions.current;
        const e = active ? active.engine.storageFailed(caught) : asStorageError(caught, opts.dataDir);
        if (e instanceof SwitchboardError) {
          if (e !== caught) opts.log?.(`services: ${quoted(method)} failed: ${String(caught)}`);
          return { ok: false, error: e.toBody() };
        }
        opts.log?.(
          `services: ${quoted(method)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return {
          ok: false,
          error: { code: 'internal', message: 'Something went wrong on this desktop. Try again.' },
        };
      }
    },
    async dispose() {
      disposed = true;
      await sessions.close();
    },
  };
}

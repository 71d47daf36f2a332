import {
  contract,
  type EventName,
  type EventPayload,
  type MethodName,
  type SessionInfo,
} from '../../shared/ipc/contract';
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
  /**
   * Signs in from the remembered session, as auth.restore does (one restore at a time, shared by every
   * caller, so two tabs, or a tab and the host, never spend one refresh token twice).
   */
  resume(): Promise<SessionInfo | null>;
  /**
   * The signed-in session's replica and how many mutations it has not sent yet; null when no session can
   * push them (signed out, or the server ended the session). The browser-mode host keeps a device's
   * services alive while this says there is unsent work.
   */
  outbox(): { replica: string; pending: number } | null;
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
  // Sessions the server ended: they still look open until their replica is closed, but push nothing more.
  const ended = new WeakSet<object>();
  const emit: DesktopServicesOptions['emit'] = (event, payload) => {
    if (event === 'session.ended' && sessions.current) ended.add(sessions.current);
    // Whatever changed tickets (sync, a local edit) changed their SLA inputs: due times first, then the news.
    if (event === 'data.changed') {
      try {
        sessions.current?.sla.refresh();
      } catch (e) {
        opts.log?.(`services: SLA due times not recomputed: ${String(e)}`);
      }
    }
    opts.emit(event, payload);
  };
  const sessions = new SessionManager({ ...opts, emit, allowedServerUrls });
  const handlers = createHandlers(sessions, emit);
  let disposed = false;
  let restoring: Promise<SessionInfo | null> | null = null;
  const resume = () => {
    restoring ??= sessions.restore().finally(() => (restoring = null));
    return restoring;
  };
  handlers['auth.restore'] = () => resume();

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
    resume() {
      if (disposed) return Promise.resolve(null);
      return resume();
    },
    outbox() {
      const s = sessions.current;
      if (disposed || !s || ended.has(s)) return null;
      try {
        return { replica: s.store.path, pending: s.store.read.pendingCount() };
      } catch {
        return null; // a replica that cannot be read pushes nothing either
      }
    },
    async dispose() {
      disposed = true;
      // A restore under way would open its replica after the close below and leave it running.
      await restoring?.catch(() => undefined);
      await sessions.close();
    },
  };
}

import type { EventMessage, ResultMessage } from './contract';

// Kept free of zod and every other runtime dependency: the sandboxed Electron preload imports this file and
// a sandboxed preload cannot load npm modules.

/** Electron IPC channel names. */
export const IPC_INVOKE = 'switchboard:invoke';
export const IPC_EVENT = 'switchboard:event';

/**
 * What the Electron preload exposes as window.switchboardBridge. Results travel as envelopes because
 * contextBridge keeps only the message of a thrown Error; the renderer wraps this into a SwitchboardApi,
 * exactly as it wraps the browser-mode websocket.
 */
export interface SwitchboardBridge {
  invokeRaw(method: string, input: unknown): Promise<ResultMessage>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}
export const BRIDGE_GLOBAL = 'switchboardBridge';

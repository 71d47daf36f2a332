import type { SwitchboardApi } from '../shared';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge); absent in browser mode, where a websocket carries the contract. */
    switchboard?: SwitchboardApi;
  }
}

export {};

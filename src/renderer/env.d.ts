import type { SwitchboardApi, SwitchboardBridge } from '../shared';

declare global {
  interface Window {
    /** A ready-made contract client, if whoever hosts the page provides one (tests, embedders). */
    switchboard?: SwitchboardApi;
    /** Set by the Electron preload (contextBridge, BRIDGE_GLOBAL): the contract as envelopes. */
    switchboardBridge?: SwitchboardBridge;
  }
}

export {};

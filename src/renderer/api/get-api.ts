import type { SwitchboardApi } from '../../shared';
import { bridgeApi } from './bridge-api';
import { checkedDeviceId } from './device-id';
import { HostConnectionState } from './host-connection';
import { ipcUrl } from './ipc-url';
import { validatedApi } from './validated-api';
import { WebSocketTransport } from './websocket-transport';

let api: SwitchboardApi | null = null;

const inProcess = Boolean(window.switchboardBridge || window.switchboard);

/** Reachability of the desktop services; always 'connected' when they come with the app (Electron). */
export const hostConnection = new HostConnectionState(inProcess ? 'connected' : 'connecting');

/**
 * The contract, however it is carried: the preload bridge under Electron, a websocket to the host in a
 * browser. Either way it is wrapped the same, so no screen can tell which one it has.
 */
export function getApi(): SwitchboardApi {
  if (api) return api;
  const carrier = window.switchboardBridge
    ? bridgeApi(window.switchboardBridge)
    : (window.switchboard ??
      new WebSocketTransport({
        url: async () => ipcUrl(location, await checkedDeviceId()),
        connection: hostConnection,
      }));
  api = validatedApi(carrier);
  return api;
}

import type { SwitchboardApi } from '../../shared';
import { deviceId } from './device-id';
import { HostConnectionState } from './host-connection';
import { validatedApi } from './validated-api';
import { WebSocketTransport } from './websocket-transport';

let api: SwitchboardApi | null = null;

/** Reachability of the desktop services; always 'connected' under Electron. */
export const hostConnection = new HostConnectionState(window.switchboard ? 'connected' : 'connecting');

/** The websocket endpoint of the browser-mode host that served this page. */
export function ipcUrl(loc: Pick<Location, 'protocol' | 'host'>, device: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ipc?device=${encodeURIComponent(device)}`;
}

/** The contract, however it is carried: the preload bridge under Electron, a websocket in a browser. */
export function getApi(): SwitchboardApi {
  if (api) return api;
  const carrier =
    window.switchboard ??
    new WebSocketTransport({ url: ipcUrl(location, deviceId()), connection: hostConnection });
  api = validatedApi(carrier);
  return api;
}

/** The websocket endpoint of the browser-mode host that served this page. */
export function ipcUrl(loc: Pick<Location, 'protocol' | 'host'>, device: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ipc?device=${encodeURIComponent(device)}`;
}

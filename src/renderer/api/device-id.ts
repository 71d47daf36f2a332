const KEY = 'switchboard.deviceId';

/** A stable id for this browser, so the host can tell one browser-mode device from another across reloads. */
export function deviceId(storage: Storage = localStorage): string {
  const known = storage.getItem(KEY);
  if (known) return known;
  const id = crypto.randomUUID();
  storage.setItem(KEY, id);
  return id;
}

/**
 * This browser's device id, once the host agrees it is still ours. The host binds a device to the key in
 * its HttpOnly cookie; a browser that lost the cookie but kept localStorage would be refused forever, so it
 * asks first (GET /ipc?device=) and, refused, starts a new device (signing in again). If the host cannot
 * be asked, the id is kept: the websocket's own retries deal with an absent host.
 */
export async function checkedDeviceId(
  ask: (url: string) => Promise<{ status: number }> = (url) =>
    fetch(url, { credentials: 'same-origin', cache: 'no-store' }),
  storage: Storage = localStorage,
): Promise<string> {
  const id = deviceId(storage);
  try {
    const r = await ask(`/ipc?device=${encodeURIComponent(id)}`);
    if (r.status !== 403) return id;
  } catch {
    return id;
  }
  console.warn('switchboard: this browser no longer holds the key of its device; starting a new one');
  storage.removeItem(KEY);
  return deviceId(storage);
}

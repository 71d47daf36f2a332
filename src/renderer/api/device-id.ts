const KEY = 'switchboard.deviceId';

/** A stable id for this browser, so the host can tell one browser-mode device from another across reloads. */
export function deviceId(storage: Storage = localStorage): string {
  const known = storage.getItem(KEY);
  if (known) return known;
  const id = crypto.randomUUID();
  storage.setItem(KEY, id);
  return id;
}

import { existsSync, rmSync } from 'node:fs';
import { openStore, type LocalStore } from '../store';
import { NotSentStore, notSentPath } from '../store/not-sent';

/**
 * The not-sent list of this replica's user, wired so that every refusal lands in it as it leaves the outbox.
 * `kept` hears how many went in and how many the list holds now.
 */
export function openNotSentFor(
  store: LocalStore,
  kept: (added: number, total: number) => void,
): NotSentStore {
  let notSent: NotSentStore;
  try {
    notSent = new NotSentStore(notSentPath(store.path));
  } catch (e) {
    store.close();
    throw e;
  }
  store.write.keepRefused = (items) => {
    notSent.keep(items);
    kept(items.length, notSent.count());
  };
  return notSent;
}

/**
 * A disabled account's copy of customers and tickets must not stay on this machine, but what the agent typed
 * is theirs: every queued change goes to the not-sent list first. If that fails, the replica is kept (and the
 * log says so): deleting it would destroy the only copy of their work. `open`: the replica and list when they
 * are open (they are closed here); else they are opened from `path` for this.
 */
export function dropReplicaOfDisabledAccount(
  path: string,
  open: { store: LocalStore; notSent: NotSentStore } | null,
  d: { log?: (line: string) => void; kept: (added: number, total: number) => void },
): boolean {
  const reason = {
    code: 'account_disabled',
    message: 'Your account was disabled before this change was sent.',
  };
  try {
    if (open) {
      open.store.write.setAsideOutbox(reason);
    } else if (existsSync(path)) {
      const store = openStore(path, { log: d.log });
      try {
        const notSent = openNotSentFor(store, d.kept);
        try {
          store.write.setAsideOutbox(reason);
        } finally {
          notSent.close();
        }
      } finally {
        store.close();
      }
    }
  } catch (e) {
    d.log?.(
      `session: account disabled, but its unsent changes could not be kept (${e instanceof Error ? e.message : e}); the local copy stays at ${path}`,
    );
    open?.store.close();
    open?.notSent.close();
    return false;
  }
  open?.store.close();
  open?.notSent.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  d.log?.('session: account disabled; the local copy was deleted and its unsent changes kept');
  return true;
}

/**
 * Changes set aside without an answer from the server (a disabled account's outbox) go back to the outbox with
 * their own ids when a session opens, before anything is sent: if the account is still disabled the next
 * refresh sets them aside again; else the server settles each once (see StoreWriter.requeue). Returns how many.
 */
export function resendUnanswered(store: LocalStore, notSent: NotSentStore): number {
  const items = notSent.unanswered();
  if (items.length === 0) return 0;
  // Outbox first, list second: a crash between the two leaves an entry in both, and requeueing it again is a no-op.
  store.write.requeue(items);
  notSent.remove(items.map((i) => i.id));
  return items.length;
}

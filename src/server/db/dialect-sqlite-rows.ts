import SQLite from 'better-sqlite3';

/**
 * A read-only connection to a server store file that answers SELECTs as arrays of columns, each statement
 * prepared once. For a worker thread that reads beside the service's connection (the SLA recompute's:
 * sla/recompute-worker.ts) and must load fast: Kysely, and so the rest of db/, is not imported here.
 */
export interface SqliteRows {
  rows<Row extends unknown[]>(source: string, params: readonly unknown[]): Row[];
  close(): void;
}

export function openSqliteRows(path: string): SqliteRows {
  const database = new SQLite(path, { readonly: true, fileMustExist: true });
  database.pragma('busy_timeout = 5000');
  const statements = new Map<string, SQLite.Statement>();
  return {
    rows: <Row extends unknown[]>(source: string, params: readonly unknown[]) => {
      let statement = statements.get(source);
      if (!statement) statements.set(source, (statement = database.prepare(source).raw(true)));
      return statement.all(...params) as Row[];
    },
    close: () => database.close(),
  };
}

/**
 * A connection that only checkpoints the store's WAL (copies committed pages into the database file and syncs
 * it), so that work can run on another thread than the one committing: a PASSIVE checkpoint waits for no
 * one, and the writer goes on appending meanwhile.
 */
export interface SqliteCheckpointer {
  /** Pages in the WAL, and how many of them are in the database file now. */
  checkpoint(): { log: number; checkpointed: number };
  close(): void;
}

export function openSqliteCheckpointer(path: string): SqliteCheckpointer {
  const database = new SQLite(path, { fileMustExist: true });
  database.pragma('busy_timeout = 5000');
  // As the service's connection (dialect-sqlite.ts): the database file is synced at each checkpoint.
  database.pragma('synchronous = NORMAL');
  const statement = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  return {
    checkpoint: () => {
      const r = statement.get() as { busy: number; log: number; checkpointed: number };
      return { log: r.log, checkpointed: r.checkpointed };
    },
    close: () => database.close(),
  };
}

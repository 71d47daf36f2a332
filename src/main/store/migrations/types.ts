import type { Database } from 'better-sqlite3';

/** One schema step. `version` is the user_version after it ran; each runs in its own transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

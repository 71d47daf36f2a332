import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/main/store/migrate';
import { migrations } from '../../../src/main/store/migrations';
import { commentFromColumns, type CommentColumns } from '../../../src/shared/storage/columns';
import { tempDir } from '../fixtures';

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

/** email (issue 13): desktop migration 017 on a replica made under 016. */
describe('migration 017', () => {
  it('reads comments kept before it as agents’ comments with no delivery and no files, and runs again harmlessly', () => {
    const d = tempDir();
    dirs.push(d);
    const db = new Database(join(d.path, 'r.sqlite'));
    migrate(db, migrations.slice(0, 16));
    db.prepare(
      `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
         assignee_id, created_at, updated_at, version) VALUES ('t1', 1, 'd', 'c', 's', '', 'open', 'normal', NULL,
         '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`,
    ).run();
    db.prepare(
      `INSERT INTO comments (id, ticket_id, author_id, author_name, body, internal, created_at)
       VALUES ('c1', 't1', NULL, '王芳', '您好', 0, '2026-01-01T00:00:00Z')`,
    ).run();
    migrate(db, migrations);
    const row = db.prepare('SELECT * FROM comments').get() as CommentColumns;
    expect(commentFromColumns(row)).toMatchObject({ fromCustomer: false, delivery: null, attachments: [] });
    // A replica set back to 016 (as a re-index test does) takes 017 again without failing.
    db.pragma('user_version = 16');
    migrate(db, migrations);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
  });
});

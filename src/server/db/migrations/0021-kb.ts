import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * The knowledge base (src/server/kb): knowledge_articles (since 0001: id, title, body, language, department_id,
 * version) gains a category, an audience, a review state, tags, its author and when it last changed; categories
 * get a table. Articles already there stay readable by agents as they were: published, internal.
 * `kb_version` (a counters row) numbers every article change across all nodes, taken under its row lock, so
 * versions commit in order and a node catches up by loading the rows above the highest version it has seen.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kb_categories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('department_id', 'text', (c) => c.references('departments.id'))
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .execute();
  const add = (name: string, type: 'text', dflt: string | null, notNull: boolean) =>
    db.schema
      .alterTable('knowledge_articles')
      .addColumn(name, type, (c) => {
        let col = dflt === null ? c : c.defaultTo(dflt);
        if (notNull) col = col.notNull();
        return col;
      })
      .execute();
  await add('category_id', 'text', null, false);
  await add('audience', 'text', 'internal', true);
  await add('state', 'text', 'published', true);
  await add('tags', 'text', '[]', true);
  await add('author_id', 'text', null, false);
  await add('author_name', 'text', '', true);
  await add('updated_at', 'text', '1970-01-01T00:00:00.000Z', true);
  await db.schema
    .createIndex('knowledge_articles_version')
    .on('knowledge_articles')
    .column('version')
    .execute();
  await sql`INSERT INTO counters (name, value)
    SELECT 'kb_version', COALESCE(MAX(version), 0) FROM knowledge_articles`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM counters WHERE name = 'kb_version'`.execute(db);
  await db.schema.dropIndex('knowledge_articles_version').execute();
  for (const c of ['updated_at', 'author_name', 'author_id', 'tags', 'state', 'audience', 'category_id'])
    await db.schema.alterTable('knowledge_articles').dropColumn(c).execute();
  await db.schema.dropTable('kb_categories').execute();
}

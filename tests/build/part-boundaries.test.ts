import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries between the parts', () => {
  it('refuses an import from one part into another', async () => {
    expect(
      await problems('src/main/x.ts', "import { a } from '../server/app';\nexport const b = a;\n"),
    ).toEqual([
      'local/part-boundaries: src/main may import only src/shared, not src/server (see ARCHITECTURE.md).',
    ]);
    expect(await problems('src/renderer/tickets/x.ts', "export * from '../../main/store';\n")).toHaveLength(
      1,
    );
    expect(await problems('src/shared/x.ts', "export { a } from '../preload/index';\n")).toHaveLength(1);
  });

  it('allows src/shared and a part’s own folders, even one named like another part', async () => {
    expect(
      await problems(
        'src/main/host/cli.ts',
        "import { startHost } from './server';\nexport const s = startHost;\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'src/server/x.ts',
        "import { Ticket } from '../shared/domain';\nexport const t = Ticket;\n",
      ),
    ).toEqual([]);
  });

  it('keeps Electron in the shell and Node out of the renderer and shared code', async () => {
    expect(
      await problems('src/main/store/x.ts', "import { app } from 'electron';\nexport const a = app;\n"),
    ).toHaveLength(1);
    expect(
      await problems('src/main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n"),
    ).toEqual([]);
    expect(
      await problems(
        'src/renderer/x.ts',
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'src/shared/x.ts',
        "import Database from 'better-sqlite3';\nexport const d = Database;\n",
      ),
    ).toHaveLength(1);
  });
});

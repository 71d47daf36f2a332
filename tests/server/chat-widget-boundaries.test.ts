// The widget runs on customers' pages: lint keeps it to src/shared and plain DOM (eslint.config.js, the web
// chat block; eslint-rules/part-boundaries.js), so the service's code and big UI libraries never reach its bundle.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, 'src/widget/x.ts') });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the chat widget imports only src/shared', () => {
  it('refuses the server, the desktop, Node modules and UI or schema libraries', async () => {
    expect(
      await problems("import { startServer } from '../server/app';\nexport const s = startServer;\n"),
    ).toEqual([
      'local/part-boundaries: src/widget may import only src/shared, not src/server (see ARCHITECTURE.md).',
    ]);
    expect(await problems("export * from '../renderer/i18n/locales/en';\n")).toHaveLength(1);
    for (const lib of ['node:fs', 'react', '@mui/material', 'zod'])
      expect(await problems(`import * as m from '${lib}';\nexport const x = m;\n`), lib).toHaveLength(1);
  });

  it('allows src/shared and its own files', async () => {
    expect(
      await problems(
        "import { textSegments } from '../shared/chat/text';\nimport { en } from './strings';\nexport const x = [textSegments, en];\n",
      ),
    ).toEqual([]);
  });
});

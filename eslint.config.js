// Dependency direction is part of the design (../shared/ARCHITECTURE.md): main, preload, renderer and
// server each depend on src/shared and on nothing else of ours. These rules make a wrong import fail CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const parts = ['main', 'preload', 'renderer', 'server'];
const nodeOnly = ['better-sqlite3', 'keytar', 'kysely', 'express', 'socket.io', 'ws', 'node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net'];

/** Forbid relative or aliased imports of the other parts, plus any extra package patterns. */
function boundary(part, extraPatterns = []) {
  const others = parts.filter((p) => p !== part);
  return {
    files: [`src/${part}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: others.flatMap((o) => [`**/${o}`, `**/${o}/**`, `src/${o}/**`]),
              message: `src/${part} may import only src/shared (see ARCHITECTURE.md).`,
            },
            ...extraPatterns,
          ],
        },
      ],
    },
  };
}

const noElectron = { group: ['electron'], message: "Only src/main/electron and src/preload import 'electron'." };
const noNode = { group: nodeOnly, message: 'Node-only modules are not allowed in this part.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  boundary('main', [noElectron]),
  {
    files: ['src/main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/preload', '**/preload/**', '**/renderer', '**/renderer/**', '**/server', '**/server/**'],
              message: 'src/main may import only src/shared (see ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The central service reaches its database only through Kysely, so PostgreSQL is a dialect switch.
    files: ['src/server/**/*.ts'],
    ignores: ['src/server/db/dialect*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name=/^(prepare|pragma)$/], CallExpression[callee.property.name='exec'][arguments.0.type='TemplateLiteral'], CallExpression[callee.property.name='exec'][arguments.0.value=/^\\s*(CREATE|INSERT|UPDATE|DELETE|SELECT|PRAGMA|ALTER|DROP|BEGIN)/i]",
          message:
            'Server data access goes through Kysely (typed, portable to PostgreSQL): no raw better-sqlite3 calls outside src/server/db/dialect*.ts.',
        },
      ],
    },
  },
  boundary('preload'),
  boundary('server', [noElectron]),
  {
    ...boundary('renderer', [noElectron, noNode]),
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...boundary('renderer', [noElectron, noNode]).rules,
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: parts.flatMap((o) => [`**/${o}`, `**/${o}/**`]), message: 'src/shared imports nothing of ours.' },
            noElectron,
            noNode,
          ],
        },
      ],
    },
  },
);

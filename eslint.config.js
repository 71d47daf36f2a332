// Dependency direction is part of the design (../shared/ARCHITECTURE.md): main, preload, renderer and
// server each depend on src/shared and on nothing else of ours. These rules make a wrong import fail CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import partBoundaries from './eslint-rules/part-boundaries.js';

const nodeOnly = [
  'better-sqlite3',
  'keytar',
  'kysely',
  'express',
  'socket.io',
  'ws',
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'http',
  'net',
];

/** Package restrictions per part; crossings between parts are the local part-boundaries rule. */
function boundary(part, patterns = []) {
  return {
    files: [`src/${part}/**/*.{ts,tsx}`],
    rules: patterns.length ? { 'no-restricted-imports': ['error', { patterns }] } : {},
  };
}

const noElectron = {
  group: ['electron'],
  message: "Only src/main/electron and src/preload import 'electron'.",
};
const noNode = { group: nodeOnly, message: 'Node-only modules are not allowed in this part.' };

const wallboard = boundary('wallboard', [
  noElectron,
  noNode,
  {
    group: ['@mui/*', '@emotion/*'],
    message: 'The wallboard runs under a strict CSP (no inline styles): plain CSS files only.',
  },
]);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', '.data/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { local: { rules: { 'part-boundaries': partBoundaries } } },
    rules: {
      'local/part-boundaries': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  boundary('main', [noElectron]),
  {
    // Only the shell may reach Electron.
    files: ['src/main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
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
  boundary('shared', [noElectron, noNode]),
  {
    // Web chat (issue 13, chat area): the embeddable widget runs on customers' pages. It imports only
    // src/shared (part-boundaries.js), no Node modules, and no React/MUI/zod, which would swell its bundle.
    ...boundary('widget', [
      noElectron,
      noNode,
      {
        group: ['react', 'react-dom', '@mui/*', '@emotion/*', 'zod', 'socket.io-client'],
        message: 'The widget stays small: plain DOM only.',
      },
    ]),
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Wallboard (issue 14): the TV page imports only src/shared (part-boundaries.js) and no Node modules. React
    // without MUI/Emotion: Emotion's injected <style> tags would need 'unsafe-inline' in the page's strict CSP.
    ...wallboard,
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...wallboard.rules,
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
);

// ESLint flat config: typescript-eslint, plus the workflow-determinism rules of STYLE.md —
// workflow and domain code may not import Node built-ins, I/O libraries or lib/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'http', 'http2', 'https',
  'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm',
  'worker_threads', 'zlib',
]; // prettier-ignore

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({
                name,
                message: 'workflow and domain code must stay deterministic: no Node built-ins',
              })),
            ...[
              'pg',
              'execa',
              'chokidar',
              'express',
              'pino',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
            ].map((name) => ({
              name,
              message: 'workflow and domain code must stay deterministic: no I/O libraries',
            })),
          ],
          patterns: [
            {
              group: ['**/lib/**', '../lib/*'],
              message: 'workflow and domain code may not import lib/ (I/O)',
            },
            {
              group: ['**/activities/**'],
              message: 'import activities as types only: proxyActivities<Activities>',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setInterval', message: 'use sleep() or condition() from @temporalio/workflow' },
        { name: 'fetch', message: 'workflows do I/O through activities' },
        { name: 'process', message: 'workflows read config through their input' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Date is replay-safe only through workflow time; prefer workflowInfo() or activities',
        },
      ],
    },
  },
);

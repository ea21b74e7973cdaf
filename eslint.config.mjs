import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/mongo-stand-in/**', 'data/**', 'test/artifacts/**', '**/*.js', '**/*.mjs', '!src/dashboard/public/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The competency engine is pure: data in, decisions out. No I/O, no storage layer.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['express', 'mongodb', 'bullmq', 'ioredis', 'pino', 'fs', 'node:fs', 'http', 'node:http'], message: 'The competency engine must stay pure (no I/O).' },
          { group: ['**/storage/**', '**/*.repository', '**/*.router', '**/*.service'], message: 'The competency engine may not import the storage or HTTP layers.' },
        ],
      }],
    },
  },
  {
    // The dashboard's browser code: plain ES modules served as they are (no build step).
    files: ['src/dashboard/public/**/*.js'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2022, globals: { ...globals.browser } },
  },
);

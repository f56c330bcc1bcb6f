// Lint: unused code and the mistakes the compiler lets through. Formatting is prettier's job
// (`npm run format`); both run in `npm test` before the suite.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'helm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (the git hook): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', fetch: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A variable assigned once after a closure that reads it is declared with let on purpose.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Value hygiene matches control characters on purpose (they are what it refuses).
      'no-control-regex': 'off',
      // Tests match output with its exact spacing.
      'no-regex-spaces': 'off',
      // Long strings that prettier cannot break: past 200 characters a line is split by hand.
      'max-len': ['error', { code: 200, ignoreUrls: true }],
    },
  },
);

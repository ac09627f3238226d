import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const sandboxMessage =
  'workflow code runs in the deterministic Temporal sandbox: do I/O in an activity instead';

export default defineConfig(
  { ignores: ['node_modules/', '.data/', 'db/migrations/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Sometimes a library's types leave no better choice; keep it visible, not blocking.
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-console': 'error',
    },
  },
  {
    // Entry points and tests talk to a person on the terminal.
    files: ['scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // An allow-list: workflows import the workflow SDK, each other and pure modules of lib/;
    // anything else only as a type.
    files: ['workflows/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: sandboxMessage })),
          patterns: [
            { regex: '^node:', message: sandboxMessage },
            {
              regex: '^(?!\\.|@temporalio/(workflow|common)(/|$))',
              allowTypeImports: true,
              message: `workflows import @temporalio/workflow and @temporalio/common only (\`import type\` is fine)`,
            },
            {
              regex: '^(\\.\\./)+(?!lib/)',
              allowTypeImports: true,
              message: `${sandboxMessage} (\`import type\` is fine)`,
            },
            {
              // The modules of lib/ that read the environment or write logs.
              regex: '^(\\.\\./)+lib/(config|logger)$',
              message: `${sandboxMessage}; use the workflow logger`,
            },
          ],
        },
      ],
    },
  },
);

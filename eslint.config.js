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
    files: ['workflows/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: sandboxMessage })),
          patterns: [
            { regex: '^node:', message: sandboxMessage },
            { regex: '^(postgres|drizzle-orm[^/]*)(/|$)', message: sandboxMessage },
            {
              regex: '^@temporalio/(client|worker|activity)(/|$)',
              message: 'workflows use @temporalio/workflow and @temporalio/common only',
            },
            {
              regex: '^(\\.\\./)+(db|api|activities|connectors)(/|$)',
              allowTypeImports: true,
              message: `${sandboxMessage} (\`import type\` is fine)`,
            },
          ],
        },
      ],
    },
  },
);

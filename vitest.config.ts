import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // With `threads`, two files that bundle or run workflows crash vitest; forks are steady.
    pool: 'forks',
    // One Postgres and one Temporal server on 2 cores: files run one after another.
    fileParallelism: false,
    // Tests run workflows on a real server in real time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // e2e tests start real servers and agents; two cores run two files at a time.
    maxWorkers: 2,
  },
});

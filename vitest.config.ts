import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    // The end-to-end suites start serverless-offline processes; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});

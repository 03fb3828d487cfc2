/**
 * What `npm run mutate` (Stryker) runs against each mutant: the unit and property tests only,
 * fast and in one process. The end-to-end suites start serverless-offline and are left out.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts'],
    testTimeout: 30_000,
  },
});

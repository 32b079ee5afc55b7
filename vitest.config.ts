import { defineConfig } from 'vitest/config';

// Each test file opens its own Dawn device in a child process (native addons and worker threads
// do not mix well); two at a time matches the 2-core machines this runs on.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report lets .ci/run print the plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    // Tests name kernel variants or run tiny shapes: timing every variant would only slow them
    // down (the tuner's own tests turn it back on).
    env: { AEGL_TUNE: '0' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

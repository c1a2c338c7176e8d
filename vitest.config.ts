import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/session.ts', 'test/support/check-schemas.ts'],
    // Docker-backed tests build images: give them room, and run files one at a time on 2 cores.
    testTimeout: 20_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});

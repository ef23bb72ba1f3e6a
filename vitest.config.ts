import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `npm test` gates the domain on the unit project's coverage: every service is tested
    // through the in-memory fakes, not only end to end (the fakes themselves are not counted).
    coverage: {
      provider: 'v8',
      include: ['src/domain/**/*.ts'],
      exclude: ['src/domain/**/fakes.ts'],
      reporter: ['text-summary', ['json-summary', { file: 'coverage-summary.json' }]],
      reportsDirectory: 'coverage',
      // New domain code comes with its unit tests through the fakes, or this gate fails.
      thresholds: { lines: 90, branches: 90 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/package/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          // One local stack (DynamoDB Local + moto) is shared; files run one at a time on 2 cores.
          fileParallelism: false,
          // Files share one worker's module graph: each file no longer re-imports the app, the
          // SDK and the CLI (about 1.3 s a file). The files keep no state in modules and leave
          // process.env as they found it (lambda-handlers.test.ts restores what it sets).
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * `npm run mutate` (Stryker) runs the unit tests only: mutants of src/domain are judged by
 * the fast, in-process tests, never by the local stack the integration project starts.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // The IAM-simulator oracle (5 000 generated policies, a minute or more on shared cores)
    // would run for every policy mutant; policy.test.ts and policy-narrowing.test.ts judge them.
    exclude: ['test/unit/policy-oracle.test.ts'],
    environment: 'node',
  },
});

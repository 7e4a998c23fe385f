import { defineConfig } from 'vitest/config';

// One root config: tests import sibling packages from their `src` through the
// `@raunet/source` export condition, so no build is needed before `pnpm test`.
export default defineConfig({
  resolve: { conditions: ['@raunet/source'] },
  ssr: { resolve: { conditions: ['@raunet/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});

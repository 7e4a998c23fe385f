import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The learning tests (`*-learning*.test.ts`) take minutes each, most of the suite's time. Vitest starts
 * larger files first when it has no timings cached (a fresh clone, CI), which put these small files last,
 * so one of them ran alone at the end while the other worker idled. This starts them first.
 */
class LearningFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const learning = (f: TestSpecification) => /-learning[^/]*\.test\.ts$/.test(f.moduleId);
    return [...sorted.filter(learning), ...sorted.filter((f) => !learning(f))];
  }
}

// One root config: tests import sibling packages from their `src` through the
// `@raunet/source` export condition, so no build is needed before `pnpm test`.
//
// One worker per core, each with one OpenMP thread for the native kernels (unless OMP_NUM_THREADS is
// set): most test files run single-threaded JS, so vitest's default of cores - 1 workers left one of
// the 2 cores idle, and two workers each running oneDNN on 2 threads oversubscribed the cores (the
// native learning tests took twice as long).
export default defineConfig({
  resolve: { conditions: ['@raunet/source'] },
  ssr: { resolve: { conditions: ['@raunet/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: availableParallelism(),
    env: { OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
    sequence: { sequencer: LearningFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});

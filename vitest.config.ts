import { defineConfig } from 'vitest/config';

/** Test files that mock modules or SDK clients: each runs in a fresh module graph. */
const MOCKING = [
  'tests/cli/images.test.ts',
  'tests/cli/start.test.ts',
  'tests/cli/sweep.test.ts',
  'tests/cli/down.test.ts',
  'tests/aws/backstop.test.ts',
];

export default defineConfig({
  test: {
    // CDK synth and spawned CLIs take seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most slow files wait on spawned processes (CLI, cdk synth, the agent on a fake host) rather
    // than compute, so three workers finish sooner than the default of one per spare core.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['tests/**/*.test.ts'],
          exclude: MOCKING,
          // aws-cdk-lib and @pulumi/* take seconds to import: files in one worker share one import
          // instead of paying it per file. These files keep no module state between them.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // CDK synth and spawned CLIs take seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most slow files wait on spawned processes (CLI, cdk synth, the agent on a fake host) rather
    // than compute, so three workers finish sooner than the default of one per spare core.
    maxWorkers: 3,
  },
});

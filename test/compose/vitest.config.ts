import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// One stack for the whole file, steps in order; builds on a fresh machine take minutes.
export default mergeConfig(
  packageTestConfig({ include: ['test/**/*.test.ts'], testTimeout: 600_000 }),
  defineConfig({ test: { hookTimeout: 900_000, fileParallelism: false } }),
);

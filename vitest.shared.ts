// One test configuration for every package: run from source (the "source" export condition),
// and leave a JSON report per package that .ci/run adds up into its closing line.
import { defineConfig } from 'vitest/config';

export function packageTestConfig(options: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    // No explicit 'import': vitest hands these to Node as --conditions, and forcing 'import' makes a
    // CommonJS require('ws') (inside @fastify/websocket) load ws's ESM wrapper and fail.
    resolve: { conditions: ['source', 'node', 'default'] },
    ssr: { resolve: { conditions: ['source', 'node', 'default'], externalConditions: ['source'] } },
    test: {
      include: options.include ?? ['test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      pool: 'forks',
      reporters: ['default', ['json', { outputFile: '.reports/vitest.json' }]],
    },
  });
}

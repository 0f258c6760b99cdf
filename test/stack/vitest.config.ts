import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// Node 20 has a WebSocket client only behind a flag; the stack tests use it for /live viewers.
const needsFlag = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined';

export default mergeConfig(
  packageTestConfig({ include: ['**/*.test.ts'], testTimeout: 120_000 }),
  defineConfig({ test: { execArgv: needsFlag ? ['--experimental-websocket'] : [], fileParallelism: false } }),
);

import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// Node 20 has a WebSocket client only behind a flag; the scale tests use it for /live viewers.
const needsFlag = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined';

// One topology at a time: each file starts a Redis Cluster or a set of shards, and two at once on two
// cores would measure each other.
export default mergeConfig(
  packageTestConfig({ include: ['**/*.test.ts'], testTimeout: 180_000 }),
  defineConfig({ test: { execArgv: needsFlag ? ['--experimental-websocket'] : [], fileParallelism: false } }),
);

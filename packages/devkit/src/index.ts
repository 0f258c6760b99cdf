// @ingestlab/devkit: process plumbing shared by tests, dev scripts, the demo, the native stack and
// the comparison: ports, readiness probes, waiting, child processes and groups, a private Redis.
export * from './binaries.js';
export * from './child-group.js';
export * from './ports.js';
export * from './probes.js';
export * from './processes.js';
export * from './process-guards.js';
export * from './redis.js';
export * from './redis-cluster.js';
export * from './redis-reuse.js';
export * from './wait.js';
export * from './cli-args.js';
export * from './chromium.js';

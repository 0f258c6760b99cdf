// @ingestlab/devkit: process plumbing shared by tests, dev scripts, the demo and the comparison.
export * from './ports.js';
export * from './processes.js';
export * from './redis.js';

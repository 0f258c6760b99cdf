// @ingestlab/metric-schema: the contract between producers, both systems and the dashboard.
export * from './limits.js';
export * from './batch.js';
export * from './answers.js';
export * from './end-to-end.js';
export * from './shards.js';
export * from './window.js';
export * from './frames.js';
export * from './stats.js';
export * from './health.js';
export * from './history.js';
export * from './validate.js';
export * from './lab-actions.js';
export * from './lab-state.js';
export * from './lab-scenario.js';

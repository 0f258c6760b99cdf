// @ingestlab/aggregation: pure, I/O-free window math shared by both systems.
export * from './histogram.js';
export * from './window-clock.js';
export * from './window-aggregate.js';
export * from './window-ring.js';

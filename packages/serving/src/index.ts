// @ingestlab/serving: what both systems serve alike, and the process around them.
export * from './errors.js';
export * from './logger.js';
export * from './metrics.js';
export * from './run-process.js';
export * from './served-system.js';
export * from './server-options.js';
export * from './serving.js';
export * from './token.js';
export * from './settings/config-error.js';
export * from './settings/load-settings.js';
export * from './settings/shared-settings.js';
export * from './live-hub.js';
export { default as errorHandler } from './plugins/error-handler.js';
export { default as healthRoutes } from './routes/health.js';
export { default as metricsRoutes } from './routes/metrics.js';

// @ingestlab/fanout: live dashboard fan-out (WebSocket + SSE) shared by both systems.
export * from './encode.js';
export * from './live-hub.js';
export * from './live-routes.js';
export * from './sse-viewer.js';
export * from './viewer.js';
export * from './ws-viewer.js';

// The serving core as one Fastify plugin: both apps register it first, then their ingest route.
// It serves /healthz, /readyz, /stats, /metrics, /api/history, /live and /live/sse for the system it
// is given, with one error handler, CORS and the orderly close of sockets and viewers.
import { liveRoutes } from '@ingestlab/fanout';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ServingMetrics } from './metrics.js';
import corsPlugin from './plugins/cors.js';
import errorHandlerPlugin from './plugins/error-handler.js';
import readRateLimitPlugin from './plugins/read-rate-limit.js';
import websocketPlugin from './plugins/websocket.js';
import healthRoutes from './routes/health.js';
import historyRoutes from './routes/history.js';
import metricsRoutes from './routes/metrics.js';
import statsRoutes from './routes/stats.js';
import type { ServedSystem } from './served-system.js';
import type { SharedConfig } from './settings/shared-settings.js';

export interface ServingOptions {
  system: ServedSystem;
  /** The shared settings (CORS_ORIGINS, HTTP_RATE_LIMIT_PER_MIN, SHUTDOWN_TIMEOUT_MS...). */
  config: SharedConfig;
  /** The process's metrics (one registry, shared by every listener of the process). */
  metrics: ServingMetrics;
  /**
   * Serve /live and /live/sse, register @fastify/websocket, and own the close of the data path:
   * `system.drain()`, then the viewers. Only on an HTTP/1.1 listener (a WebSocket upgrade needs it);
   * one app per process. Default true.
   */
  live?: boolean;
  /** Largest WebSocket message a peer may send. Default 64 KiB (viewers only send pongs). */
  maxWebSocketPayload?: number;
  /** Seconds in retry-after on a 429 or 503 that sets none. Default 1. */
  retryAfterS?: number;
}

const servingPlugin: FastifyPluginAsync<ServingOptions> = async (app, options) => {
  const { system, config, metrics, live = true } = options;
  await app.register(errorHandlerPlugin, { retryAfterS: options.retryAfterS ?? 1 });
  await app.register(corsPlugin, { origins: config.corsOrigins });
  if (live) {
    await app.register(websocketPlugin, {
      hub: system.hub,
      maxPayload: options.maxWebSocketPayload ?? 64 * 1024,
      graceMs: Math.max(100, Math.floor(config.shutdownTimeoutMs / 2)),
      ...(system.drain ? { drain: () => system.drain!() } : {}),
    });
  }
  // The read routes in their own context, so their rate limit stays theirs (an app may limit ingest its own way).
  await app.register(async (reads) => {
    await reads.register(readRateLimitPlugin, { perMinute: config.httpRateLimitPerMin });
    await reads.register(healthRoutes, { system });
    await reads.register(statsRoutes, { system });
    await reads.register(historyRoutes, { system });
    await reads.register(metricsRoutes, { registry: metrics.registry });
  });
  if (live) await app.register(liveRoutes, { hub: system.hub, closeOnAppClose: false });
};

/** Not encapsulated: its error handler, CORS and websocket support apply to the app's own routes too. */
export const serving = fp(servingPlugin, { name: '@ingestlab/serving', fastify: '5.x' });

// System 2 as a Fastify plugin: external plugins, then the app's own state, then routes. Tests
// build it with buildApp() on port 0 and close it; server.ts adds the process around it.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import corsPlugin from './plugins/cors.js';
import errorHandlerPlugin from './plugins/error-handler.js';
import metricsPlugin from './plugins/metrics.js';
import pipelinePlugin from './plugins/pipeline.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import websocketPlugin from './plugins/websocket.js';
import healthRoutes from './routes/health.js';
import historyRoutes from './routes/history.js';
import ingestRoutes from './routes/ingest.js';
import liveRoutes from './routes/live.js';
import metricsRoutes from './routes/metrics.js';
import statsRoutes from './routes/stats.js';

async function appPlugin(instance: FastifyInstance, options: { config: Config }): Promise<void> {
  const { config } = options;
  await instance.register(corsPlugin, { config });
  await instance.register(rateLimitPlugin, { config });
  await instance.register(errorHandlerPlugin);
  await instance.register(pipelinePlugin, { config });
  await instance.register(metricsPlugin);
  await instance.register(websocketPlugin, { config });
  await instance.register(ingestRoutes);
  await instance.register(liveRoutes);
  await instance.register(healthRoutes);
  await instance.register(statsRoutes);
  await instance.register(metricsRoutes);
  await instance.register(historyRoutes);
}

/** Not encapsulated, so the app's decorations (pipeline, metrics) are visible to whoever builds it. */
export const app = fp(appPlugin, { name: 'ws-ingest-app' });

/**
 * A client that dribbles its request or upgrade headers is cut after 10 s (Node's default is 60 s,
 * checked every 30 s), so slow-loris connections cannot pile up. Upgraded sockets are not affected.
 */
export const SLOW_HEADER_LIMITS = { headersTimeout: 10_000, connectionsCheckingInterval: 1000 };

/** Builds a ready (not listening) app. `logger` defaults to off, which suits tests. */
export async function buildApp(
  config: Config,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const instance = Fastify({ logger: false, http: SLOW_HEADER_LIMITS, ...fastifyOptions });
  await instance.register(app, { config });
  await instance.ready();
  return instance;
}

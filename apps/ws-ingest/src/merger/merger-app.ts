// The merger as a Fastify app: the shared serving plugins (health, readiness, stats, history,
// metrics, live, errors, CORS) over the merged system, and /shard/partials with the merged windows.
import { randomUUID } from 'node:crypto';
import { SERVER_OPTIONS, SLOW_HEADER_LIMITS, ServingMetrics, serving } from '@ingestlab/serving';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import partialsRoute from '../shard/partials-route.js';
import type { MergerConfig } from './config.js';
import { MergedSystem } from './merged-system.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The merged system (feeds, ring, hub): tests read it. Only on a merger app. */
    merged: MergedSystem;
  }
}

/** Builds a ready (not listening) merger app; it starts polling the shards at once. */
export async function buildMergerApp(
  config: MergerConfig,
  options: { logger?: FastifyBaseLogger; defaultMetrics?: boolean } = {},
): Promise<FastifyInstance> {
  const loggerInstance = options.logger ?? pino({ level: 'silent' });
  const app = Fastify({
    ...SERVER_OPTIONS,
    loggerInstance,
    http: SLOW_HEADER_LIMITS,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;
  const merged = new MergedSystem(config);
  const metrics = new ServingMetrics(merged, { defaultMetrics: options.defaultMetrics ?? true });
  app.decorate('merged', merged);
  await app.register(serving, { system: merged, config, metrics });
  await app.register(partialsRoute, {
    log: merged.partials,
    bootId: randomUUID(),
    windowMs: merged.windowMs,
    stats: () => merged.stats(),
  });
  app.addHook('onClose', async () => {
    await merged.close();
  });
  for (const feed of merged.feeds) {
    let last = feed.state;
    // Log each shard's transitions once, not every poll.
    const check = () => {
      if (feed.state === last) return;
      last = feed.state;
      if (feed.state === 'down') app.log.warn({ shard: feed.name, reason: feed.error }, 'shard down');
      else app.log.info({ shard: feed.name, restarts: feed.restarts }, `shard ${feed.state}`);
    };
    const timer = setInterval(check, 100);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  merged.start();
  await app.ready();
  return app;
}

// System 2 as a Fastify app: the shared serving plugins (health, readiness, stats, history, metrics,
// live, errors, CORS), then its ingest socket route. Tests build it with buildApp() on port 0 and
// close it; server.ts adds the process around it.
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import {
  type ServedSystem,
  SERVER_OPTIONS,
  SLOW_HEADER_LIMITS,
  ServingMetrics,
  serving,
} from '@ingestlab/serving';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Config } from './config.js';
import { IngestConnections } from './connection/ingest-connections.js';
import { IngestCore } from './core/ingest-core.js';
import { registerIngestMetrics } from './metrics.js';
import ingestRoutes from './routes/ingest.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-memory core (counts, windows, hub): tests read it. */
    core: IngestCore;
    /** The open ingest connections. */
    connections: IngestConnections;
  }
}

export interface BuildOptions {
  /** The process's logger. Default silent (tests). */
  logger?: FastifyBaseLogger;
  /** Node's standard process metrics. Default true. */
  defaultMetrics?: boolean;
  /** Further routes registered after the ingest route, before the app is ready (a shard's partials). Default none. */
  extend?: (app: FastifyInstance, core: IngestCore) => Promise<void>;
}

/** Builds a ready (not listening) app with its own core. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const loggerInstance = options.logger ?? pino({ level: 'silent' });
  const app = Fastify({
    ...SERVER_OPTIONS,
    loggerInstance,
    http: SLOW_HEADER_LIMITS,
    // Graceful close owns the sockets; idle HTTP keep-alive connections are closed at once.
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;
  const core = new IngestCore(config);
  // With DATA_DIR: the watermark is read back and this life recorded before anything is acknowledged.
  await core.openEndToEnd(app.log);
  const connections = new IngestConnections(core, app.log);
  const system: ServedSystem = {
    name: core.name,
    windowMs: core.windowMs,
    hub: core.hub,
    stats: () => core.stats(),
    readiness: () => core.readiness(),
    history: (range) => core.history(range),
    counters: () => core.counters(),
    // Shutdown: reading stops and acks owed are flushed, then the open window is published (acked
    // samples reach the dashboards; end-to-end: its end durable first, then its commit sent), then
    // ingest sockets close with 1001; the serving core then closes the viewers.
    drain: async () => {
      await connections.quiesce(Date.now() + Math.floor(config.shutdownTimeoutMs / 2));
      const last = await core.stop();
      connections.close();
      app.log.info(
        { samples: last?.samples ?? 0, accepted: core.accounting.counters.acceptedSamples },
        'published the open window before shutdown',
      );
    },
  };
  const metrics = new ServingMetrics(system, { defaultMetrics: options.defaultMetrics ?? true });
  registerIngestMetrics(metrics.registry, core, connections);
  app.decorate('core', core);
  app.decorate('connections', connections);
  // Ingest frames may be up to the contract's 1 MiB (ws closes larger ones with 1009).
  await app.register(serving, { system, config, metrics, maxWebSocketPayload: MAX_PAYLOAD_BYTES });
  await app.register(ingestRoutes, { core, connections });
  if (options.extend) await options.extend(app, core);
  app.addHook('onClose', async () => {
    await core.stop();
  });
  core.start();
  await app.ready();
  return app;
}

// The ingest process: settings, logger, the three listeners over one set of services, and a graceful
// stop (stop accepting, finish requests in flight, write the last group, close Redis).
import { runProcess } from '@ingestlab/serving';
import type { FastifyInstance } from 'fastify';
import { buildApp, closeApp } from './app.js';
import { loadConfig } from './config.js';
import { resolveShardCount } from './redis/shard-count.js';
import { createServices } from './services.js';
import { loadTlsFiles } from './tls-cert.js';

await runProcess({
  name: 'http-ingest',
  help: `Usage: node dist/server.js
System 1 ingest: HTTP/1.1 on HTTP_PORT (3001), h2c on H2C_PORT (3002), TLS h2 + http/1.1 on HTTPS_PORT (3443).
Settings (environment; every one with its default in README.md): REDIS_URL or REDIS_CLUSTER_NODES, REDIS_SHARDS, HTTP_PORT, H2C_PORT, HTTPS_PORT,
TLS_CERT, TLS_KEY, CERT_DIR, QUEUE_NAME, KEY_PREFIX, QUEUE_MAX_DEPTH, GROUP_COMMIT_MS, GROUP_COMMIT_MAX, JOB_SPAN_MS,
WINDOW_MAX_WAIT_MS, DUPLICATE_HORIZON_MS, REDIS_COMMAND_TIMEOUT_MS, RETRY_AFTER_S, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, and the shared
ones: HOST, INGEST_TOKEN, WINDOW_MS, HISTORY_WINDOWS, LIVE_SNAPSHOT_RANGE, LIVE_MAX_BACKLOG_BYTES,
LIVE_HEARTBEAT_MS, PING_INTERVAL_MS, HTTP_RATE_LIMIT_PER_MIN, CORS_ORIGINS, SHUTDOWN_TIMEOUT_MS, LOG_LEVEL.
Workers run separately: node dist/worker.js. A bad setting exits 78 naming it.
SIGTERM/SIGINT stop gracefully; a second signal exits at once.`,
  loadConfig: () => loadConfig(),
  async start(config, logger) {
    const services = createServices(await resolveShardCount(config, logger), logger);
    const tls = await loadTlsFiles({ cert: config.tlsCert, key: config.tlsKey, certDir: config.certDir });
    if (tls.generated) logger.info({ path: tls.path }, 'created a self-signed development certificate');
    const apps: FastifyInstance[] = [];
    const listeners = [
      { listener: 'http1', port: config.httpPort },
      { listener: 'h2c', port: config.h2cPort },
      { listener: 'tls', port: config.httpsPort },
    ] as const;
    for (const { listener, port } of listeners) {
      const app = await buildApp(services, listener, tls);
      apps.push(app);
      const address = await app.listen({ host: config.host, port });
      logger.info({ listener, address }, 'listening');
    }
    return {
      async close() {
        // The HTTP/1.1 app sends the live viewers away first, so their streams do not hold it open.
        await Promise.all(apps.map((app) => closeApp(app, Math.min(3000, config.shutdownTimeoutMs / 2))));
        await services.close();
      },
    };
  },
});

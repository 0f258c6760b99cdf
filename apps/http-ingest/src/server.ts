// The ingest process: configuration, logger, the three listeners over one set of services, and a
// graceful shutdown (stop accepting, finish requests in flight, write the last group, close Redis).
import type { FastifyInstance } from 'fastify';
import { buildApp, closeApp } from './app.js';
import { boot, stopOnSignals } from './boot.js';
import { createServices } from './services.js';
import { loadTlsFiles } from './tls-cert.js';

if (process.argv.includes('--help')) {
  console.log(`Usage: node dist/server.js
System 1 ingest: HTTP/1.1 on HTTP_PORT (3001), h2c on H2C_PORT (3002), TLS h2 + http/1.1 on HTTPS_PORT (3443).
Environment (defaults in src/config.ts): REDIS_URL, HOST, HTTP_PORT, H2C_PORT, HTTPS_PORT, INGEST_TOKEN,
TLS_CERT, TLS_KEY, CERT_DIR, QUEUE_NAME, KEY_PREFIX, QUEUE_MAX_DEPTH, GROUP_COMMIT_MS, GROUP_COMMIT_MAX,
WINDOW_MS, PUBLISH_GRACE_MS, HISTORY_SIZE, SNAPSHOT_WINDOWS, REDIS_COMMAND_TIMEOUT_MS, RETRY_AFTER_S,
CORS_ORIGINS, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, SHUTDOWN_TIMEOUT_MS, LOG_LEVEL.
Workers run separately: node dist/worker.js. Stops gracefully on SIGTERM/SIGINT.`);
  process.exit(0);
}

async function main(): Promise<void> {
  const { config, logger } = boot('http-ingest');
  const services = createServices(config, logger);
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

  stopOnSignals(logger, config.shutdownTimeoutMs, {
    stopping: 'stopping: refusing new connections, finishing requests in flight',
    late: 'shutdown took too long; exiting',
    close: async () => {
      // Close the viewers first so their long-lived streams do not hold the listeners open.
      await services.hub.close();
      await Promise.all(apps.map((app) => closeApp(app, Math.min(3000, config.shutdownTimeoutMs / 2))));
      await services.close();
      logger.info('stopped');
    },
  });
}

main().catch((error: unknown) => {
  console.error('http-ingest failed to start:', error);
  process.exit(1);
});

// System 2's process: reads the config, builds the app with pino logging, listens on HOST:WS_PORT
// and shuts down gracefully on SIGTERM/SIGINT (stop accepting, flush acks, close sockets with 1001).
import { buildApp } from './app.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import { redactedRequest } from './log-redaction.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`ws-ingest: bad configuration: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const app = await buildApp(config, {
  logger: { level: config.logLevel, serializers: { req: redactedRequest } },
  // Graceful close owns the sockets; idle HTTP keep-alive connections are closed at once.
  forceCloseConnections: 'idle',
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    app.log.error('graceful shutdown took too long; exiting');
    process.exit(1);
  }, config.shutdownGraceMs + 5000);
  timer.unref();
  try {
    await app.close();
    app.log.info({ stats: app.pipeline.accounting.stats() }, 'closed');
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'error while closing');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { windowMs: config.windowMs, token: config.ingestToken ? 'required' : 'open', cors: config.corsOrigins },
    'ws-ingest ready: ingest at /ingest, live at /live and /live/sse',
  );
} catch (error) {
  app.log.error({ err: error }, 'could not listen');
  process.exit(1);
}

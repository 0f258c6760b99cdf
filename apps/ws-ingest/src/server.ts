// System 2's process: settings, logger, the app listening on HOST:WS_PORT, and a graceful stop on
// SIGTERM/SIGINT (stop reading, flush owed acks, close sockets with 1001, publish the open window).
import { runProcess } from '@ingestlab/serving';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

await runProcess({
  name: 'ws-ingest',
  help: `Usage: node dist/server.js
System 2: WebSocket ingest on ws://HOST:WS_PORT/ingest (default 127.0.0.1:3003), with /live, /live/sse,
/api/history, /stats, /metrics, /healthz and /readyz on the same port.
Settings (environment; every one with its default in README.md): WS_PORT, MAX_INFLIGHT_BATCHES,
DUPLICATE_HORIZON_MS, DUPLICATE_MAX_ENTRIES, RATE_LIMIT_SAMPLES_PER_SEC, and the shared ones: HOST,
INGEST_TOKEN, WINDOW_MS, HISTORY_WINDOWS, LIVE_SNAPSHOT_RANGE, LIVE_MAX_BACKLOG_BYTES, LIVE_HEARTBEAT_MS,
PING_INTERVAL_MS, HTTP_RATE_LIMIT_PER_MIN, CORS_ORIGINS, SHUTDOWN_TIMEOUT_MS, LOG_LEVEL.
A bad setting exits 78 naming it. SIGTERM/SIGINT stop gracefully; a second signal exits at once.`,
  loadConfig: () => loadConfig(),
  async start(config, logger) {
    const app = await buildApp(config, { logger });
    await app.listen({ port: config.port, host: config.host });
    logger.info(
      {
        windowMs: config.windowMs,
        token: config.ingestToken ? 'required' : 'open',
        cors: config.corsOrigins,
      },
      'ws-ingest ready: ingest at /ingest, live at /live and /live/sse',
    );
    return { close: () => app.close(), summary: () => ({ stats: app.core.stats() }) };
  },
});

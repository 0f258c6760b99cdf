// The merger's process: merges the partial windows of System 2's shards (SHARD_URLS) into the windows
// one process would have produced, and serves them like System 2 does, on HOST:MERGER_PORT.
import { runProcess } from '@ingestlab/serving';
import { loadMergerConfig } from './config.js';
import { buildMergerApp } from './merger-app.js';

await runProcess({
  name: 'ws-merger',
  help: `Usage: node dist/merger/server.js
System 2's merger: polls each shard's /shard/partials (SHARD_URLS), merges their partial windows
exactly (fixed-bucket histograms add), and serves /live, /live/sse, /api/history, a summed /stats with
each shard's state, /metrics, /healthz, /readyz and /shard/partials (the merged windows) on MERGER_PORT.
A window is published when every live shard has reported it, or MERGE_WAIT_MS after its end; a shard
whose partial is not in it is named in the window's "shards.missing".
Settings (environment): SHARD_URLS (required: [name=]http://host:port, comma-separated),
MERGER_PORT (3005), MERGE_WAIT_MS (3000), SHARD_POLL_WAIT_MS (5000), SHARD_RETRY_MS (500), and the
shared ones: HOST, WINDOW_MS (must match the shards'), HISTORY_WINDOWS, LIVE_SNAPSHOT_RANGE,
LIVE_MAX_BACKLOG_BYTES, LIVE_HEARTBEAT_MS, PING_INTERVAL_MS, HTTP_RATE_LIMIT_PER_MIN, CORS_ORIGINS,
SHUTDOWN_TIMEOUT_MS, LOG_LEVEL.
A bad setting exits 78 naming it. SIGTERM/SIGINT stop gracefully; a second signal exits at once.`,
  loadConfig: () => loadMergerConfig(),
  async start(config, logger) {
    const app = await buildMergerApp(config, { logger });
    await app.listen({ port: config.port, host: config.host });
    logger.info(
      { windowMs: config.windowMs, shards: config.shards, mergeWaitMs: config.mergeWaitMs },
      'ws-merger ready: live at /live and /live/sse, summed /stats',
    );
    return { close: () => app.close(), summary: () => ({ stats: app.merged.stats() }) };
  },
});

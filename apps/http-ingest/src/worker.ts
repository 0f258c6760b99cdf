// The worker process (`start:worker`): folds queued batches into Redis windows until SIGTERM/SIGINT,
// then lets the jobs in hand finish. It serves /healthz, /readyz and /metrics on WORKER_PORT.
import { runProcess } from '@ingestlab/serving';
import { loadConfig } from './config.js';
import { resolveShardCount } from './redis/shard-count.js';
import { startFoldWorker } from './worker/fold-worker.js';
import { startWorkerHttp } from './worker/worker-http.js';

await runProcess({
  name: 'http-ingest-worker',
  help: `Usage: node dist/worker.js
Folds batches from System 1's BullMQ queue into the window aggregates in Redis. Run any number.
Serves /healthz, /readyz and /metrics on WORKER_PORT (default 0: a free port, logged).
Settings (environment; defaults in README.md): REDIS_URL or REDIS_CLUSTER_NODES, REDIS_SHARDS, QUEUE_NAME, KEY_PREFIX, WINDOW_MS, HISTORY_WINDOWS,
FOLD_BULK_JOBS, FOLD_BULK_WAIT_MS, WORKER_PORT, HOST, SHUTDOWN_TIMEOUT_MS, LOG_LEVEL. A bad setting exits 78 naming it.
SIGTERM/SIGINT stop after the current bulks are written; a second signal exits at once.`,
  loadConfig: () => loadConfig(),
  async start(config, logger) {
    const folding = startFoldWorker(await resolveShardCount(config, logger), logger);
    const http = await startWorkerHttp(config, folding, logger);
    logger.info(
      {
        queue: config.queueName,
        bulkJobs: config.foldBulkJobs,
        bulkWaitMs: config.foldBulkWaitMs,
        address: http.address,
      },
      'worker started',
    );
    return {
      async close() {
        await http.close();
        await folding.close();
      },
      summary: () => ({ processed: folding.processed() }),
    };
  },
});

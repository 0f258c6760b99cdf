// The worker process (`start:worker`): folds queued batches into Redis windows until SIGTERM/SIGINT,
// then lets the jobs in hand finish before exiting.
import { boot, stopOnSignals } from './boot.js';
import { startFoldWorker } from './fold-worker.js';

if (process.argv.includes('--help')) {
  console.log(`Usage: node dist/worker.js
Folds batches from System 1's BullMQ queue into the window aggregates in Redis. Run any number.
Environment: REDIS_URL, QUEUE_NAME, KEY_PREFIX, WINDOW_MS, WORKER_CONCURRENCY, LOG_LEVEL
(see src/config.ts for defaults). Stops on SIGTERM/SIGINT after the current jobs finish.`);
  process.exit(0);
}

const { config, logger } = boot('http-ingest-worker');
const folding = startFoldWorker(config, logger);
logger.info({ queue: config.queueName, concurrency: config.workerConcurrency }, 'worker started');

stopOnSignals(logger, config.shutdownTimeoutMs, {
  stopping: 'worker stopping: finishing jobs in hand',
  late: 'worker did not stop in time; exiting',
  close: async () => {
    await folding.close();
    logger.info({ processed: folding.processed() }, 'worker stopped');
  },
});

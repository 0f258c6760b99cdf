// The worker process (`start:worker`): folds queued batches into Redis windows until SIGTERM/SIGINT,
// then lets the jobs in hand finish before exiting.
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { startFoldWorker } from './fold-worker.js';

if (process.argv.includes('--help')) {
  console.log(`Usage: node dist/worker.js
Folds batches from System 1's BullMQ queue into the window aggregates in Redis. Run any number.
Environment: REDIS_URL, QUEUE_NAME, KEY_PREFIX, WINDOW_MS, WORKER_CONCURRENCY, LOG_LEVEL
(see src/config.ts for defaults). Stops on SIGTERM/SIGINT after the current jobs finish.`);
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = pino({ level: config.logLevel, name: 'http-ingest-worker' });
const folding = startFoldWorker(config, logger);
logger.info({ queue: config.queueName, concurrency: config.workerConcurrency }, 'worker started');

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping: finishing jobs in hand');
  const timer = setTimeout(() => {
    logger.error('worker did not stop in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  timer.unref();
  await folding.close();
  logger.info({ processed: folding.processed() }, 'worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

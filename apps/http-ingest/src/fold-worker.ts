// A BullMQ worker that folds groups of batches into the window aggregate in Redis. Stateless: any
// number run, anywhere; a job retried after a crash finds its group already folded and counts nothing.
import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { FoldJobData } from './queue/ingest-queue.js';
import { createPatientRedis } from './redis/connections.js';
import { keysFor } from './redis/keys.js';
import { type FoldOutcome, WindowStore } from './windows/window-store.js';

export interface FoldWorker {
  readonly worker: Worker<FoldJobData, FoldOutcome>;
  /** Jobs this worker finished (folded, already folded or empty). */
  processed(): number;
  /** Stops taking jobs, lets the current ones finish, closes connections. */
  close(): Promise<void>;
}

export function startFoldWorker(config: Config, logger: Logger): FoldWorker {
  const keys = keysFor(config.keyPrefix);
  // Two connections: BullMQ's blocking one, and one for folds that waits out a Redis restart.
  const foldRedis = createPatientRedis(config.redisUrl, 'ingestlab-fold');
  const store = new WindowStore(foldRedis, keys, config.windowMs, config.historySize);
  let processed = 0;
  const worker = new Worker<FoldJobData, FoldOutcome>(
    config.queueName,
    async (job: Job<FoldJobData>) => store.foldGroup(job.data.group),
    {
      connection: createPatientRedis(config.redisUrl, 'ingestlab-worker'),
      prefix: config.keyPrefix,
      concurrency: config.workerConcurrency,
      // The fold is short; a worker that vanishes mid-job has its job picked up again after this.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
    },
  );
  worker.on('completed', () => {
    processed += 1;
  });
  worker.on('failed', (job, error) => {
    logger.warn(
      { job: job?.id, attempts: job?.attemptsMade, err: error },
      'fold failed (will retry while attempts remain)',
    );
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  return {
    worker,
    processed: () => processed,
    async close() {
      await worker.close();
      foldRedis.disconnect();
    },
  };
}

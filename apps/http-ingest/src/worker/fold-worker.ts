// A BullMQ worker that folds groups of batches into the window aggregate in Redis. Stateless: any
// number run, anywhere; a job retried after a crash finds its group already folded and counts nothing.
import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Readiness } from '@ingestlab/metric-schema';
import type { Config } from '../config.js';
import type { FoldJobData } from '../queue/ingest-queue.js';
import { createPatientRedis } from '../redis/connections.js';
import { keysFor } from '../redis/keys.js';
import { type FoldOutcome, WindowStore } from '../windows/window-store.js';

/** What this worker did since it started, for its /metrics. */
export interface FoldCounts {
  /** Jobs finished, by outcome: folded, already folded (a retry of a folded group), empty. */
  jobs: Record<FoldOutcome['kind'], number>;
  /** Samples this worker folded into windows. */
  samples: number;
  /** Attempts that failed (the job is retried while attempts remain). */
  failures: number;
}

export interface FoldWorker {
  readonly worker: Worker<FoldJobData, FoldOutcome>;
  /** Jobs this worker finished (folded, already folded or empty). */
  processed(): number;
  readonly counts: FoldCounts;
  /** Ready while its connection to Redis is. */
  readiness(): Readiness;
  /** Stops taking jobs, lets the current ones finish, closes connections. */
  close(): Promise<void>;
}

export function startFoldWorker(config: Config, logger: Logger): FoldWorker {
  const keys = keysFor(config.keyPrefix);
  // Two connections: BullMQ's blocking one, and one for folds that waits out a Redis restart.
  const foldRedis = createPatientRedis(config.redisUrl, 'ingestlab-fold');
  const store = new WindowStore(foldRedis, keys, config.windowMs, config.historyWindows);
  const counts: FoldCounts = { jobs: { folded: 0, 'already-folded': 0, empty: 0 }, samples: 0, failures: 0 };
  const blocking = createPatientRedis(config.redisUrl, 'ingestlab-worker');
  const worker = new Worker<FoldJobData, FoldOutcome>(
    config.queueName,
    async (job: Job<FoldJobData>) => store.foldGroup(job.data.group),
    {
      connection: blocking,
      prefix: config.keyPrefix,
      concurrency: config.workerConcurrency,
      // The fold is short; a worker that vanishes mid-job has its job picked up again after this.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
    },
  );
  worker.on('completed', (_job, outcome) => {
    counts.jobs[outcome.kind] += 1;
    if (outcome.kind === 'folded') counts.samples += outcome.samples;
  });
  worker.on('failed', (job, error) => {
    counts.failures += 1;
    logger.warn(
      { job: job?.id, attempts: job?.attemptsMade, err: error },
      'fold failed (will retry while attempts remain)',
    );
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  return {
    worker,
    processed: () => counts.jobs.folded + counts.jobs['already-folded'] + counts.jobs.empty,
    counts,
    readiness: () =>
      foldRedis.status === 'ready'
        ? { status: 'ready' }
        : { status: 'not ready', reason: `redis unreachable (connection ${foldRedis.status})` },
    async close() {
      await worker.close();
      foldRedis.disconnect();
    },
  };
}

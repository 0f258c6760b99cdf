// A BullMQ worker that folds groups of batches into the window aggregates in Redis, in bulks: it
// holds up to 2 × FOLD_BULK_JOBS jobs (BullMQ's concurrency), a coalescer gathers them into bulks of
// up to FOLD_BULK_JOBS jobs or FOLD_BULK_WAIT_MS, and each bulk is read in one round trip and folded
// by one script. Each job's processor promise settles when its bulk is written, so BullMQ keeps doing
// what it does for single jobs: locks renewed while a job waits, completion, retries with backoff on
// failure, and stalled-job recovery when a worker dies. Stateless: any number run, anywhere; a job
// run again after a crash finds its group folded and counts nothing.
import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Readiness } from '@ingestlab/metric-schema';
import type { Config } from '../config.js';
import type { FoldJobData } from '../queue/ingest-queue.js';
import { createPatientRedis } from '../redis/connections.js';
import { keysFor } from '../redis/keys.js';
import { BulkFolder, type FoldOutcome } from '../windows/bulk-fold.js';
import { WindowStore } from '../windows/window-store.js';
import { BulkCoalescer } from './bulk-coalescer.js';

/** What this worker did since it started, for its /metrics. */
export interface FoldCounts {
  /** Jobs finished, by outcome: folded, already folded (a retry of a folded group), empty. */
  jobs: Record<FoldOutcome['kind'], number>;
  /** Bulks written (each one read and one fold script). */
  bulks: number;
  /** Samples this worker folded into windows. */
  samples: number;
  /** Samples it folded into a later window because theirs had been published at its maximum wait. */
  lateSamples: number;
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
  /** Stops taking jobs, lets the current bulks finish, closes connections. */
  close(): Promise<void>;
}

export function startFoldWorker(config: Config, logger: Logger): FoldWorker {
  const keys = keysFor(config.keyPrefix);
  // Two connections: BullMQ's blocking one, and one for folds that waits out a Redis restart.
  const foldRedis = createPatientRedis(config.redisUrl, 'ingestlab-fold');
  const folder = new BulkFolder(new WindowStore(foldRedis, keys, config.windowMs, config.historyWindows));
  const counts: FoldCounts = {
    jobs: { folded: 0, 'already-folded': 0, empty: 0 },
    bulks: 0,
    samples: 0,
    lateSamples: 0,
    failures: 0,
  };
  const coalescer = new BulkCoalescer<string, FoldOutcome>({
    maxJobs: config.foldBulkJobs,
    maxWaitMs: config.foldBulkWaitMs,
    write: async (groups) => {
      const outcomes = await folder.fold(groups);
      counts.bulks += 1;
      return outcomes;
    },
  });
  const blocking = createPatientRedis(config.redisUrl, 'ingestlab-worker');
  const worker = new Worker<FoldJobData, FoldOutcome>(
    config.queueName,
    (job: Job<FoldJobData>) => coalescer.add(job.data.group),
    {
      connection: blocking,
      prefix: keys.tag,
      concurrency: 2 * config.foldBulkJobs,
      // A bulk is short; a worker that vanishes mid-bulk has its jobs picked up again after this.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
    },
  );
  worker.on('completed', (_job, outcome) => {
    counts.jobs[outcome.kind] += 1;
    if (outcome.kind === 'folded') {
      counts.samples += outcome.samples;
      if (outcome.late) counts.lateSamples += outcome.samples;
    }
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
      // BullMQ waits for the jobs in hand; their bulk is written at once rather than after its wait.
      const closing = worker.close();
      coalescer.flush();
      await closing;
      foldRedis.disconnect();
    },
  };
}

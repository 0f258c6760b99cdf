// A BullMQ worker that folds groups of batches into the window aggregates in Redis, in bulks. It
// fetches jobs by hand (BullMQ's manual-fetching pattern): up to FOLD_BULK_JOBS jobs or
// FOLD_BULK_WAIT_MS, read in one round trip, pre-aggregated per window and folded by one script; then
// every job of the bulk is moved to completed (or, when the bulk failed, to failed, so BullMQ retries
// it with backoff). BullMQ's stalled-job checker runs here as in any worker, so the jobs of a worker
// that died mid-bulk go back to the queue once their lock expires. Stateless: any number run,
// anywhere; a job run again after a crash finds its group folded and counts nothing.
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Readiness } from '@ingestlab/metric-schema';
import type { Config } from '../config.js';
import type { FoldJobData } from '../queue/ingest-queue.js';
import { createPatientRedis } from '../redis/connections.js';
import { keysFor } from '../redis/keys.js';
import { BulkFolder, type FoldOutcome } from '../windows/bulk-fold.js';
import { WindowStore } from '../windows/window-store.js';
import { BulkTaker } from './bulk-taker.js';

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
  /** Stops taking jobs, lets the current bulk finish, closes connections. */
  close(): Promise<void>;
}

export function startFoldWorker(config: Config, logger: Logger): FoldWorker {
  const keys = keysFor(config.keyPrefix);
  // A connection for folds that waits out a Redis restart (BullMQ has its own two, below).
  const foldRedis = createPatientRedis(config.redisUrl, 'ingestlab-fold');
  const folder = new BulkFolder(new WindowStore(foldRedis, keys, config.windowMs, config.historyWindows));
  const counts: FoldCounts = {
    jobs: { folded: 0, 'already-folded': 0, empty: 0 },
    bulks: 0,
    samples: 0,
    lateSamples: 0,
    failures: 0,
  };
  // BullMQ's connection for its scripts (it makes its own blocking one from it). A bulk's fetches and
  // completions are issued together and go out in one write.
  const client = createPatientRedis(config.redisUrl, 'ingestlab-worker', { autoPipelining: true });
  const worker = new Worker<FoldJobData, FoldOutcome>(config.queueName, null, {
    connection: client,
    prefix: keys.tag,
    // A bulk is short; the jobs of a worker that vanishes mid-bulk are taken again after this.
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 10,
    // Block at most this long (seconds) for a first job, so a closing worker is not held up.
    drainDelay: 1,
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  let closing = false;
  const taker = new BulkTaker<FoldJobData>(worker, {
    maxJobs: config.foldBulkJobs,
    maxWaitMs: config.foldBulkWaitMs,
    closing: () => closing,
  });

  async function foldOne(): Promise<void> {
    const { token, jobs } = await taker.take();
    if (jobs.length === 0) return;
    let outcomes: FoldOutcome[];
    try {
      outcomes = await folder.fold(jobs.map((job) => job.data.group));
      counts.bulks += 1;
    } catch (error) {
      counts.failures += jobs.length;
      logger.warn(
        { jobs: jobs.length, err: error },
        'bulk fold failed (its jobs are retried while attempts remain)',
      );
      await Promise.all(jobs.map((job) => job.moveToFailed(error as Error, token, false).catch(() => {})));
      return;
    }
    await Promise.all(
      jobs.map(async (job, i) => {
        const outcome = outcomes[i]!;
        try {
          await job.moveToCompleted(outcome, token, false);
        } catch (error) {
          // Its lock expired (this worker stalled) and the job went back to the queue: run again, it
          // finds its group folded. Nothing is counted twice either way.
          logger.warn({ job: job.id, err: error }, 'could not complete a folded job');
        }
        counts.jobs[outcome.kind] += 1;
        if (outcome.kind === 'folded') {
          counts.samples += outcome.samples;
          if (outcome.late) counts.lateSamples += outcome.samples;
        }
      }),
    );
  }

  const loop = (async () => {
    await worker.startStalledCheckTimer();
    while (!closing) {
      try {
        await foldOne();
      } catch (error) {
        // Redis away while taking jobs: BullMQ's client reconnects; try again shortly.
        logger.warn({ err: error }, 'could not take jobs');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();

  return {
    worker,
    processed: () => counts.jobs.folded + counts.jobs['already-folded'] + counts.jobs.empty,
    counts,
    readiness: () =>
      foldRedis.status === 'ready'
        ? { status: 'ready' }
        : { status: 'not ready', reason: `redis unreachable (connection ${foldRedis.status})` },
    async close() {
      // The bulk in hand is folded and completed first; then BullMQ closes its connections.
      closing = true;
      await loop;
      await worker.close();
      client.disconnect();
      foldRedis.disconnect();
    },
  };
}

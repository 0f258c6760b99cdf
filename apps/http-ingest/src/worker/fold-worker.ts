// A BullMQ worker that folds groups of batches into the window aggregates in Redis, in bulks. It
// fetches jobs by hand (BullMQ's manual-fetching pattern): up to FOLD_BULK_JOBS jobs or
// FOLD_BULK_WAIT_MS, read in one round trip, pre-aggregated per window and folded by one script; then
// every job of the bulk is moved to completed, with the next bulk's fetch (or, when the bulk failed,
// to failed, so BullMQ retries it with backoff). BullMQ's stalled-job checker runs here as in any worker, so the jobs of a worker
// that died mid-bulk go back to the queue once their lock expires. Stateless: any number run,
// anywhere; a job run again after a crash finds its group folded and counts nothing. Sharded, a
// worker runs one such loop per shard's queue, so each worker consumes every queue.
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Readiness } from '@ingestlab/metric-schema';
import type { Config } from '../config.js';
import type { FoldJobData } from '../queue/ingest-queue.js';
import { createPatientRedis, redisTarget } from '../redis/connections.js';
import type { Keys } from '../redis/keys.js';
import { shardKeys } from '../redis/shards.js';
import { BulkFolder, type FoldOutcome } from '../windows/bulk-fold.js';
import { WindowStore } from '../windows/window-store.js';
import { BulkTaker } from './bulk-taker.js';

/** BullMQ's drainDelay: an idle worker's blocking wait for a first job lasts at most this (s). */
const DRAIN_DELAY_S = 1;

/** What became of one job: its groups' outcomes together. */
export interface JobOutcome {
  /** folded (some of its groups were), already-folded (all of them were, by another run), or empty. */
  kind: FoldOutcome['kind'];
  samples: number;
  lateSamples: number;
}

/** What this worker did since it started, for its /metrics. */
export interface FoldCounts {
  /** Jobs finished, by outcome: folded, already folded (a retry of a folded group), empty. */
  jobs: Record<JobOutcome['kind'], number>;
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
  /** The first shard's BullMQ worker (the only one when unsharded). */
  readonly worker: Worker<FoldJobData, JobOutcome>;
  /** One BullMQ worker per shard's queue. */
  readonly workers: readonly Worker<FoldJobData, JobOutcome>[];
  /** Jobs this worker finished (folded, already folded or empty). */
  processed(): number;
  readonly counts: FoldCounts;
  /** Ready while its connection to Redis is. */
  readiness(): Readiness;
  /** Stops taking jobs, lets the current bulk finish, closes connections. */
  close(): Promise<void>;
}

/**
 * Folds every shard's queue. In cluster mode `config.redisShards` must be settled first
 * (resolveShardCount).
 */
export function startFoldWorker(config: Config, logger: Logger): FoldWorker {
  if (config.redisShards < 1)
    throw new Error('startFoldWorker: settle REDIS_SHARDS first (resolveShardCount)');
  const sharded = config.redisClusterNodes !== null || config.redisShards > 1;
  const shards = shardKeys(config.keyPrefix, config.redisShards, sharded);
  // A connection for folds that waits out a Redis restart (BullMQ has its own two, below).
  const foldRedis = createPatientRedis(redisTarget(config), 'ingestlab-fold');
  const counts: FoldCounts = {
    jobs: { folded: 0, 'already-folded': 0, empty: 0 },
    bulks: 0,
    samples: 0,
    lateSamples: 0,
    failures: 0,
  };
  // BullMQ's connection for its scripts (it makes its own blocking one from it). A bulk's fetches and
  // completions are issued together and go out in one write.
  const client = createPatientRedis(redisTarget(config), 'ingestlab-worker', { autoPipelining: true });
  const state = { closing: false };
  const loops = shards.map((keys) =>
    startShardLoop(config, logger, keys, { foldRedis, client, counts, state }),
  );

  return {
    worker: loops[0]!.worker,
    workers: loops.map((l) => l.worker),
    processed: () => counts.jobs.folded + counts.jobs['already-folded'] + counts.jobs.empty,
    counts,
    readiness: () =>
      foldRedis.status === 'ready'
        ? { status: 'ready' }
        : { status: 'not ready', reason: `redis unreachable (connection ${foldRedis.status})` },
    async close() {
      // The bulk in hand is folded and completed first; then BullMQ closes its connections.
      state.closing = true;
      await Promise.all(loops.map((l) => l.done));
      await Promise.all(loops.map((l) => l.worker.close()));
      client.disconnect();
      foldRedis.disconnect();
    },
  };
}

interface ShardLoopShared {
  foldRedis: Redis;
  client: Redis;
  counts: FoldCounts;
  state: { closing: boolean };
}

/** One shard's queue: its BullMQ worker and the loop taking and folding its bulks. */
function startShardLoop(
  config: Config,
  logger: Logger,
  keys: Keys,
  { foldRedis, client, counts, state }: ShardLoopShared,
): { worker: Worker<FoldJobData, JobOutcome>; done: Promise<void> } {
  const folder = new BulkFolder(new WindowStore(foldRedis, keys, config.windowMs, config.historyWindows));
  const worker = new Worker<FoldJobData, JobOutcome>(config.queueName, null, {
    connection: client,
    prefix: keys.tag,
    // A bulk is short; the jobs of a worker that vanishes mid-bulk are taken again after this.
    lockDuration: 15_000,
    stalledInterval: 5_000,
    maxStalledCount: 10,
    // Block at most this long (seconds) for a first job, so a closing worker is not held up.
    drainDelay: DRAIN_DELAY_S,
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  const taker = new BulkTaker<FoldJobData, JobOutcome>(worker, {
    maxJobs: config.foldBulkJobs,
    maxWaitMs: config.foldBulkWaitMs,
    closing: () => state.closing,
    // Its lock expired (this worker stalled) and the job went back to the queue: run again, it finds
    // its group folded. Nothing is counted twice either way.
    onCompleteError: (job, error) =>
      logger.warn({ job: job.id, err: error }, 'could not complete a folded job'),
    // BullMQ blocks DRAIN_DELAY_S, and gives up on its blocking connection a second later.
    blockLimitMs: DRAIN_DELAY_S * 1000 + 4000,
    pollMs: 200,
    onBlockingStuck: () =>
      logger.warn(
        { queue: keys.tag },
        "BullMQ's blocking fetch did not come back; looking at the wait list every 200 ms until it does",
      ),
  });

  async function foldOne(): Promise<void> {
    const jobs = await taker.take();
    if (jobs.length === 0) return;
    let outcomes: JobOutcome[];
    try {
      outcomes = await foldJobs(folder, jobs);
    } catch (error) {
      counts.failures += jobs.length;
      logger.warn(
        { jobs: jobs.length, err: error },
        'bulk fold failed (its jobs are retried while attempts remain)',
      );
      await taker.fail(jobs, error as Error);
      return;
    }
    counts.bulks += 1;
    for (const outcome of outcomes) {
      counts.jobs[outcome.kind] += 1;
      counts.samples += outcome.samples;
      counts.lateSamples += outcome.lateSamples;
    }
    taker.complete(jobs, outcomes);
  }

  const done = (async () => {
    await worker.startStalledCheckTimer();
    while (!state.closing) {
      try {
        await foldOne();
      } catch (error) {
        // Redis away while taking jobs: BullMQ's client reconnects; try again shortly.
        logger.warn({ err: error }, 'could not take jobs');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await taker.flush().catch((error) => logger.warn({ err: error }, 'could not complete the last bulk'));
  })();

  return { worker, done };
}

/** Folds every group of `jobs` in one bulk and sums the outcomes per job. */
async function foldJobs(folder: BulkFolder, jobs: readonly Job<FoldJobData>[]): Promise<JobOutcome[]> {
  const groups = jobs.map((job) => job.data.groups);
  const outcomes = await folder.fold(groups.flat());
  let next = 0;
  return groups.map((ids) => {
    const outcome: JobOutcome = { kind: 'empty', samples: 0, lateSamples: 0 };
    for (let i = 0; i < ids.length; i += 1) {
      const group = outcomes[next++]!;
      if (group.kind === 'folded') {
        outcome.kind = 'folded';
        outcome.samples += group.samples;
        if (group.late) outcome.lateSamples += group.samples;
      } else if (group.kind === 'already-folded' && outcome.kind === 'empty') {
        outcome.kind = 'already-folded';
      }
    }
    return outcome;
  });
}

// The producer side of the BullMQ queue: one Redis transaction per group of batches that both
// admits them (repeat memory, counters, payload, the window's admitted count) and adds the one job
// that will fold them. The 202 for each batch waits for this transaction's EXEC, so an acknowledged
// batch is in Redis.
import { randomUUID } from 'node:crypto';
import { Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import { windowTtlSeconds } from '../windows/window-store.js';
import { ADMIT_KEYS, ADMIT_LUA } from './admit-script.js';
import { storedBatch } from './payload-codec.js';

/** A validated batch as the queue stores it: its identity, its size and its JSON text. */
export interface AdmittedBatch {
  producer: string;
  seq: number;
  samples: number;
  json: string;
}

/**
 * A commit's answer for a batch whose seq is below what its producer's repeat memory still covers: not
 * taken (the route answers 409). Otherwise n > 0 (new, n samples) or -n (a repeat).
 */
export const SEQ_TOO_OLD = 0;

/** What a job carries: only a pointer to the group's payload (kept under `Keys.group`). */
export interface FoldJobData {
  group: string;
}

const FOLD_JOB_NAME = 'fold';

export interface IngestQueueOptions {
  /** Fail-fast connection (see createFailFastRedis); shared with the rest of the request path. */
  redis: Redis;
  /** Our keys; BullMQ's prefix is their hash tag, so the admit script and the job share a slot. */
  keys: Keys;
  queueName: string;
  /** Tries per job before it stays in the failed set; backoff is exponential from 200 ms. */
  attempts: number;
  windowMs: number;
  /** A (producer, seq) is remembered at least this long after its admission (ms). */
  duplicateHorizonMs: number;
  /** Tests only: the admit script's clock (ms). Default: Redis's own (TIME), which every replica shares. */
  clock?: () => number;
}

type AdmitCommand = (...keysThenArgs: (string | number)[]) => unknown;

export class IngestQueue {
  readonly queue: Queue<FoldJobData>;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly jobOptions: JobsOptions;
  /** admit.lua's ARGV after `now`, the same for every group. */
  private readonly fixedArgs: (string | number)[];
  private readonly clock: (() => number) | undefined;
  private readonly instance = randomUUID().slice(0, 8);
  private nextGroup = 0;

  constructor(options: IngestQueueOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.clock = options.clock;
    this.fixedArgs = [
      options.windowMs,
      options.duplicateHorizonMs,
      windowTtlSeconds(options.windowMs),
      this.keys.dedupePrefix,
      this.keys.windowPrefix,
    ];
    if (!('admitGroup' in this.redis))
      this.redis.defineCommand('admitGroup', { numberOfKeys: ADMIT_KEYS, lua: ADMIT_LUA });
    this.queue = new Queue<FoldJobData>(options.queueName, {
      connection: this.redis,
      prefix: this.keys.tag,
    });
    // The queue's connection is ours: BullMQ's errors surface as failed commands (503s), not crashes.
    this.queue.on('error', () => {});
    this.jobOptions = {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: 200 },
      // Idempotency lives in the group key (deleted when folded), not in BullMQ's completed set.
      removeOnComplete: true,
      // Failed jobs stay inspectable, up to a bound.
      removeOnFail: { count: 10_000 },
    };
  }

  /**
   * Admits a group of validated batches and adds one job for them, atomically. Resolves with one
   * number per batch: n > 0 when new, -n when a repeat of a known (producer, seq), SEQ_TOO_OLD (0)
   * when its seq is below what the producer's repeat memory covers. Rejects when Redis did not
   * confirm (the caller answers 503; nothing or everything of the group was written).
   */
  async commit(batches: readonly AdmittedBatch[]): Promise<number[]> {
    const group = `${this.instance}.${this.nextGroup++}`;
    const args: (string | number)[] = [
      this.keys.accepted,
      this.keys.duplicates,
      this.keys.producers,
      this.keys.pending,
      this.keys.closedUpto,
      this.keys.group(group),
      this.clock ? this.clock() : '',
      ...this.fixedArgs,
    ];
    for (const batch of batches) args.push(batch.producer, batch.seq, batch.samples, storedBatch(batch));
    const client = await this.queue.client;
    const multi = client.multi();
    (multi as unknown as { admitGroup: AdmitCommand }).admitGroup(...args);
    const job = new Job<FoldJobData>(this.queue, FOLD_JOB_NAME, { group }, this.jobOptions);
    void job.addJob(multi);
    const results = (await multi.exec()) as [Error | null, unknown][] | null;
    if (!results) throw new Error('redis transaction was discarded');
    for (const [error] of results) if (error) throw error;
    return results[0]![1] as number[];
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

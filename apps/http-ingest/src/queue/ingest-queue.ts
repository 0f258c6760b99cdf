// The producer side of the BullMQ queue. Each group commit is one Redis transaction that admits its
// batches (repeat memory, counters, the group's payload, the window's admitted count); the 202 for
// each batch waits for that transaction's EXEC, so an acknowledged batch is in Redis. A BullMQ job
// (what a worker takes) covers the groups this replica committed over JOB_SPAN_MS: the commit that
// ends a span carries the job for all of them, in its own transaction, so a job is only ever added
// after every group it names is written (one connection, in order). A job per span rather than per
// group spares BullMQ's per-job cost, on both sides, at high request rates.
// Groups not yet covered by a job are listed in Redis (`Keys.unjobbed`); if a replica dies before
// covering its last groups, any replica's sweep adds a job for them. A group may so be named by two
// jobs; it is folded once (its payload goes with its fold).
import { randomUUID } from 'node:crypto';
import { Job, type JobsOptions, Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
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

/** What a job carries: only pointers to its groups' payloads (kept under `Keys.group`). */
export interface FoldJobData {
  groups: string[];
}

const FOLD_JOB_NAME = 'fold';
/** A job names at most this many groups. */
const MAX_GROUPS_PER_JOB = 1000;
/** A group listed without a job for this long belongs to a replica that died: a sweep covers it. */
export const ORPHAN_AFTER_MS = 1000;

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
  /** One job covers the groups committed within this many ms; 0 = one job per group. */
  jobSpanMs: number;
  /** Tests only: the admit script's clock (ms). Default: Redis's own (TIME), which every replica shares. */
  clock?: () => number;
}

type AdmitCommand = (...keysThenArgs: (string | number)[]) => unknown;

export class IngestQueue {
  readonly queue: Queue<FoldJobData>;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly jobOptions: JobsOptions;
  /** admit.lua's ARGV after `now` and the group, the same for every group. */
  private readonly fixedArgs: (string | number)[];
  private readonly clock: (() => number) | undefined;
  private readonly jobSpanMs: number;
  private readonly instance = randomUUID().slice(0, 8);
  private nextGroup = 0;
  /** Groups committed (or being committed) that no job sent so far covers. */
  private unjobbed: string[] = [];
  /** When the first of `unjobbed` was committed. */
  private spanStartedAt = 0;
  /** Ends a span no commit ended. */
  private spanTimer: NodeJS.Timeout | null = null;

  constructor(options: IngestQueueOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.clock = options.clock;
    this.jobSpanMs = options.jobSpanMs;
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
      // Idempotency lives in the group keys (deleted when folded), not in BullMQ's completed set.
      removeOnComplete: true,
      // Failed jobs stay inspectable, up to a bound.
      removeOnFail: { count: 10_000 },
    };
  }

  /**
   * Admits a group of validated batches, atomically, and adds the job for this replica's groups when
   * the group ends a span. Resolves with one number per batch: n > 0 when new, -n when a repeat of a
   * known (producer, seq), SEQ_TOO_OLD (0) when its seq is below what the producer's repeat memory
   * covers. Rejects when Redis did not confirm (the caller answers 503; nothing or everything of the
   * group was written).
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
      this.keys.unjobbed,
      this.clock ? this.clock() : '',
      group,
      ...this.fixedArgs,
    ];
    for (const batch of batches) args.push(batch.producer, batch.seq, batch.samples, storedBatch(batch));
    const multi = await this.transaction();
    (multi as unknown as { admitGroup: AdmitCommand }).admitGroup(...args);
    // A failed commit's group is covered all the same: if it was not written, its job finds nothing.
    if (this.unjobbed.length === 0) this.spanStartedAt = Date.now();
    this.unjobbed.push(group);
    if (Date.now() - this.spanStartedAt >= this.jobSpanMs || this.unjobbed.length >= MAX_GROUPS_PER_JOB) {
      this.addJob(multi, this.takeUnjobbed());
    } else if (this.spanTimer === null) {
      this.spanTimer = setTimeout(() => void this.endSpan(), this.jobSpanMs);
      this.spanTimer.unref();
    }
    const results = await execChecked(multi);
    return results[0] as number[];
  }

  /** Adds the job for the groups no job covers yet (end of a span, or shutdown). */
  async endSpan(): Promise<void> {
    if (this.spanTimer !== null) {
      clearTimeout(this.spanTimer);
      this.spanTimer = null;
    }
    if (this.unjobbed.length === 0) return;
    const groups = this.takeUnjobbed();
    const multi = await this.transaction();
    this.addJob(multi, groups);
    try {
      await execChecked(multi);
    } catch {
      // Redis away: they stay listed in Redis, and a sweep (here or in another replica) covers them.
    }
  }

  /**
   * Adds jobs for groups listed longer than ORPHAN_AFTER_MS without one (their replica died between
   * its commit and its job). Any replica may run it; a group named twice is folded once. Returns how
   * many groups it covered.
   */
  async sweep(): Promise<number> {
    const orphans = await this.redis.zrangebyscore(
      this.keys.unjobbed,
      '-inf',
      Date.now() - ORPHAN_AFTER_MS,
      'LIMIT',
      0,
      MAX_GROUPS_PER_JOB,
    );
    if (orphans.length === 0) return 0;
    const multi = await this.transaction();
    this.addJob(multi, orphans);
    await execChecked(multi);
    return orphans.length;
  }

  /**
   * A MULTI on the queue's connection (BullMQ's view of ours: its scripts are defined there), so the
   * admit script, our commands and BullMQ's add share one transaction, in the order they were sent.
   */
  private async transaction(): Promise<ChainableCommander> {
    const client = await this.queue.client;
    return client.multi() as unknown as ChainableCommander;
  }

  private takeUnjobbed(): string[] {
    const groups = this.unjobbed;
    this.unjobbed = [];
    if (this.spanTimer !== null) {
      clearTimeout(this.spanTimer);
      this.spanTimer = null;
    }
    return groups;
  }

  /** Queues, in `multi`, the job for `groups` and takes them off the list of groups without one. */
  private addJob(multi: ChainableCommander, groups: readonly string[]): void {
    multi.zrem(this.keys.unjobbed, ...groups);
    const job = new Job<FoldJobData>(this.queue, FOLD_JOB_NAME, { groups: [...groups] }, this.jobOptions);
    void job.addJob(multi as never);
  }

  /** Adds the job for the last groups, then closes the queue's connection use. */
  async close(): Promise<void> {
    await this.endSpan();
    await this.queue.close();
  }
}

/** EXECs and throws the first error (a discarded transaction, or a command Redis refused). */
async function execChecked(multi: ChainableCommander): Promise<unknown[]> {
  const results = (await multi.exec()) as [Error | null, unknown][] | null;
  if (!results) throw new Error('redis transaction was discarded');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}

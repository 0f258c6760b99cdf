// Takes bulks of jobs from BullMQ by hand (its manual-fetching pattern) and completes them. While
// jobs flow, one bulk is taken every `maxWaitMs`: the previous bulk's jobs are completed then, each
// completion fetching the next job in the same call (BullMQ's fetchNext), together with a look at the
// wait list's length; any jobs still waiting are fetched at once, up to `maxJobs`. All of it goes out
// in one write (the connection pipelines commands issued in one tick), so a bulk costs a couple of
// round trips whatever its size: on a busy machine a worker's CPU goes mostly to waking up for
// replies, so fewer wake-ups per job is what makes bulks cheap. A full bulk is followed by the next
// at once; once a look finds nothing, the taker waits for the next job blocking (BullMQ's marker), so
// an idle worker costs nothing. Each job stays locked (BullMQ's lockDuration) until it is completed.
// That blocking wait is bounded: on a Redis Cluster, after a master fails over, BullMQ's blocking
// fetch can stay pending for good (seen: a shard's jobs waited over a minute while its worker sat in
// it). After `blockLimitMs` the taker stops trusting it and looks at the wait list itself, every
// `pollMs` while idle, until that fetch comes back (a job it brings joins the next bulk).
import { Job, type Worker } from 'bullmq';

export interface BulkTakerOptions {
  /** Most jobs in one bulk. */
  maxJobs: number;
  /** While jobs flow, one bulk is taken this often (a job waits at most this long for its bulk). */
  maxWaitMs: number;
  /** True once the worker is closing: no waiting for company, no fetching with completions. */
  closing: () => boolean;
  /** A job folded but not completed (its lock was lost: it went back to the queue and runs again). */
  onCompleteError?: (job: Job, error: unknown) => void;
  /** Longest wait for BullMQ's blocking fetch before looking at the wait list directly (ms). */
  blockLimitMs: number;
  /** While the blocking fetch has not come back, an idle taker looks at the wait list this often (ms). */
  pollMs: number;
  /** The blocking fetch outlasted `blockLimitMs` (the taker polls until it comes back). */
  onBlockingStuck?: () => void;
}

interface Done<R> {
  job: Job;
  result: R;
}

export class BulkTaker<T, R> {
  /** No job was waiting at the last look: block for the next one. */
  private idle = true;
  /** When the current bulk began to fill. */
  private since = 0;
  private lastWasFull = false;
  /** The last bulk's jobs, folded, to complete with the next take. */
  private done: Done<R>[] = [];
  /** A blocking fetch that outlasted `blockLimitMs` and has not come back yet. */
  private stuck: Promise<void> | null = null;
  /** Jobs such a fetch brought back late: they join the next bulk. */
  private early: Job<T, R>[] = [];

  constructor(
    private readonly worker: Worker<T, R>,
    private readonly options: BulkTakerOptions,
  ) {}

  /** The next bulk (every job carrying its lock token); empty when nothing came. */
  async take(): Promise<Job<T, R>[]> {
    const { maxJobs, maxWaitMs, closing } = this.options;
    const jobs: Job<T, R>[] = this.early.splice(0);
    let polling = false;
    if (jobs.length > 0) {
      if (this.idle) this.since = Date.now();
      this.idle = false;
    } else if (this.idle && this.done.length === 0) {
      const first = await this.firstJob();
      if (first === 'look') {
        // No blocking wait to trust: look at the wait list now, without waiting for company.
        polling = true;
        this.since = Date.now() - maxWaitMs;
      } else {
        if (!first) return jobs;
        jobs.push(first);
        this.idle = false;
        this.since = Date.now();
      }
    }
    const wait = this.since + maxWaitMs - Date.now();
    if (wait > 0 && !this.lastWasFull && !closing()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.since = Date.now();
    const client = await this.worker.client;
    // Completions (each fetching one more job) and the look at the wait list, in one write.
    const [next, waiting] = await Promise.all([
      this.completeDone(!closing()),
      client.llen(this.worker.keys.wait!),
    ]);
    // At most one per completed job, and completions are at most a bulk: these fit in this bulk.
    jobs.push(...next);
    const wanted = closing() ? 0 : Math.min(waiting, maxJobs - jobs.length);
    if (wanted > 0) {
      const token = this.token();
      const fetched = await Promise.all(
        Array.from({ length: wanted }, () => this.worker.getNextJob(token, { block: false })),
      );
      for (const job of fetched) if (job) jobs.push(job);
    }
    this.idle = jobs.length === 0;
    this.lastWasFull = jobs.length === maxJobs;
    if (polling && jobs.length === 0 && !closing()) {
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
    }
    return jobs;
  }

  /**
   * The first job of a bulk, waited for blocking; 'look' when the blocking fetch cannot be trusted
   * (it outlasted `blockLimitMs`, now or before, and has not come back).
   */
  private async firstJob(): Promise<Job<T, R> | undefined | 'look'> {
    if (this.stuck !== null) return 'look';
    const fetch = this.worker.getNextJob(this.token(), { block: true });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'look'>((resolve) => {
      timer = setTimeout(() => resolve('look'), this.options.blockLimitMs);
    });
    const first = await Promise.race([fetch, limit]);
    clearTimeout(timer);
    if (first !== 'look') return first;
    this.options.onBlockingStuck?.();
    this.stuck = fetch.then(
      (job) => {
        this.stuck = null;
        if (job) this.early.push(job);
      },
      () => {
        this.stuck = null;
      },
    );
    return 'look';
  }

  /** The bulk was folded: its jobs are completed with the next take (or by `flush`). */
  complete(jobs: readonly Job<T, R>[], results: readonly R[]): void {
    for (let i = 0; i < jobs.length; i += 1) this.done.push({ job: jobs[i]!, result: results[i]! });
  }

  /** The bulk failed: its jobs go back to BullMQ now, which retries them with backoff. */
  async fail(jobs: readonly Job<T, R>[], error: Error): Promise<void> {
    await Promise.all(jobs.map((job) => job.moveToFailed(error, job.token!, false).catch(() => {})));
  }

  /** Completes what is folded and not completed yet, fetching nothing (the worker is closing). */
  async flush(): Promise<void> {
    await this.completeDone(false);
    // Jobs a late fetch brought were not folded: they go back to the queue when their lock expires.
    this.early = [];
  }

  private async completeDone(fetchNext: boolean): Promise<Job<T, R>[]> {
    const done = this.done;
    this.done = [];
    const replies = await Promise.all(
      done.map(({ job, result }) =>
        job.moveToCompleted(result, job.token!, fetchNext).catch((error: unknown) => {
          this.options.onCompleteError?.(job, error);
          return undefined;
        }),
      ),
    );
    const next: Job<T, R>[] = [];
    replies.forEach((reply, i) => {
      const [data, id] = (reply ?? []) as [
        Parameters<typeof Job.fromJSON>[1] | undefined,
        string | undefined,
      ];
      if (!data || !id) return;
      const job = Job.fromJSON(this.worker, data, id) as Job<T, R>;
      // A job fetched by a completion is locked with the completed job's token.
      job.token = done[i]!.job.token;
      next.push(job);
    });
    return next;
  }

  private tokens = 0;
  private token(): string {
    return `${this.worker.id}:${this.tokens++}`;
  }
}

// Takes bulks of jobs from BullMQ by hand (its manual-fetching pattern). While jobs flow, it takes
// one bulk every `maxWaitMs`: it looks at the wait list's length (one cheap command) and moves up to
// `maxJobs` jobs to active at once; the fetches go out together (the connection pipelines commands
// issued in one tick), so a bulk costs a few round trips whatever its size. A full bulk is followed
// by the next at once. Once a look finds nothing, it waits for the next job blocking (BullMQ's
// marker), so an idle worker costs nothing. On a busy machine a worker's CPU goes mostly to waking up
// for replies, so fewer wake-ups per job is what makes bulks cheap. Each job is locked with its
// bulk's token for the worker's lockDuration, as any BullMQ job.
import type { Job, Worker } from 'bullmq';

export interface BulkTakerOptions {
  /** Most jobs in one bulk. */
  maxJobs: number;
  /** While jobs flow, one bulk is taken this often (a job waits at most this long for its bulk). */
  maxWaitMs: number;
  /** True once the worker is closing: the wait for company is skipped. */
  closing: () => boolean;
}

/** A bulk of active jobs, all locked with `token`. */
export interface Bulk<T> {
  token: string;
  jobs: Job<T>[];
}

export class BulkTaker<T> {
  private bulks = 0;
  /** No job was waiting at the last look: block for the next one. */
  private idle = true;
  /** When the current bulk began to fill. */
  private since = 0;
  private lastWasFull = false;

  constructor(
    private readonly worker: Worker<T>,
    private readonly options: BulkTakerOptions,
  ) {}

  /** The next bulk; empty when nothing came (within BullMQ's block timeout, drainDelay, when idle). */
  async take(): Promise<Bulk<T>> {
    const { maxJobs, maxWaitMs, closing } = this.options;
    const token = `${this.worker.id}:${this.bulks++}`;
    const jobs: Job<T>[] = [];
    if (this.idle) {
      const first = await this.worker.getNextJob(token, { block: true });
      if (!first) return { token, jobs };
      jobs.push(first);
      this.idle = false;
      this.since = Date.now();
    }
    const wait = this.since + maxWaitMs - Date.now();
    if (wait > 0 && !this.lastWasFull && !closing()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.since = Date.now();
    const client = await this.worker.client;
    const waiting = await client.llen(this.worker.keys.wait!);
    const wanted = Math.min(waiting, maxJobs - jobs.length);
    const fetched = await Promise.all(
      Array.from({ length: wanted }, () => this.worker.getNextJob(token, { block: false })),
    );
    for (const job of fetched) if (job) jobs.push(job);
    this.idle = jobs.length === 0;
    this.lastWasFull = jobs.length === maxJobs;
    return { token, jobs };
  }
}

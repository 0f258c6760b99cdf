// Group commit: batches arriving within a few milliseconds of each other share one Redis transaction
// (one round trip, one job) instead of one each. Each caller still gets its own answer, and only
// after Redis confirmed the whole group.
import type { AdmittedBatch } from './ingest-queue.js';

export interface GroupCommitOptions {
  /** Writes one group; resolves with one result per batch (see IngestQueue.commit). */
  commit: (batches: readonly AdmittedBatch[]) => Promise<number[]>;
  /** Longest a batch waits for company before its group is written; 0 = write each batch at once. */
  maxWaitMs: number;
  /** A group is written as soon as it holds this many batches. */
  maxBatches: number;
  /** ...or this many bytes of JSON, so one transaction stays small. Default 4 MiB. */
  maxBytes?: number;
}

interface Waiting {
  batch: AdmittedBatch;
  resolve: (result: number) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private group: Waiting[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBytes: number;

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /** Queues a batch for the next group; resolves once its group is in Redis. */
  add(batch: AdmittedBatch): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.group.push({ batch, resolve, reject });
      this.bytes += batch.json.length;
      if (
        this.group.length >= this.options.maxBatches ||
        this.bytes >= this.maxBytes ||
        this.options.maxWaitMs === 0
      ) {
        this.flush();
      } else if (this.timer === null) {
        this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
      }
    });
  }

  /** Writes what is collected now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.group.length === 0) return;
    const group = this.group;
    this.group = [];
    this.bytes = 0;
    const write = this.options
      .commit(group.map((w) => w.batch))
      .then(
        (results) => {
          for (let i = 0; i < group.length; i += 1) group[i]!.resolve(results[i]!);
        },
        (error: unknown) => {
          for (const waiting of group) waiting.reject(error);
        },
      )
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }

  /** Writes the last group and waits for every write in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

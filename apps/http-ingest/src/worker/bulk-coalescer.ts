// Collects the jobs a BullMQ worker is processing into bulks: a bulk is folded when it holds
// `maxJobs` jobs or its first job has waited `maxWaitMs`, and each job's processor promise settles
// only when its bulk was written, so BullMQ completes (or retries) each job as usual.

export interface BulkCoalescerOptions<T, R> {
  /** Writes one bulk; resolves with one result per item, in order. A rejection fails every item of it. */
  write: (items: readonly T[]) => Promise<R[]>;
  /** A bulk is written as soon as it holds this many items. */
  maxJobs: number;
  /** ...or this long after its first item arrived (0 = at once). */
  maxWaitMs: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class BulkCoalescer<T, R> {
  private bulk: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: BulkCoalescerOptions<T, R>) {}

  /** Adds an item to the next bulk; resolves with its result once the bulk is written. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.bulk.push({ item, resolve, reject });
      if (this.bulk.length >= this.options.maxJobs || this.options.maxWaitMs === 0) this.flush();
      else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Writes what is collected now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.bulk.length === 0) return;
    const bulk = this.bulk;
    this.bulk = [];
    this.options.write(bulk.map((w) => w.item)).then(
      (results) => {
        for (let i = 0; i < bulk.length; i += 1) bulk[i]!.resolve(results[i]!);
      },
      (error: unknown) => {
        for (const waiting of bulk) waiting.reject(error);
      },
    );
  }
}

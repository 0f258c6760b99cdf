// Refusals are counted in Redis so every replica's /stats and windows share them. They are summed
// in memory and written every `flushMs`: a refusal costs no round trip, and refusals made while
// Redis is down are written once it is back.
import { windowStartFor } from '@ingestlab/aggregation';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import { windowTtlSeconds } from '../windows/window-store.js';

export interface RejectionCounterOptions {
  redis: Redis;
  keys: Keys;
  windowMs: number;
  /** How often to write the sums. Default 100 ms. */
  flushMs?: number;
}

export class RejectionCounter {
  /** Window start -> refusals not yet written. */
  private unwritten = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | null = null;

  constructor(private readonly options: RejectionCounterOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 100);
    this.timer.unref();
  }

  /** Counts one refused batch, in the window open now. */
  add(now = Date.now()): void {
    const start = windowStartFor(now, this.options.windowMs);
    this.unwritten.set(start, (this.unwritten.get(start) ?? 0) + 1);
  }

  /** Refusals counted here and not yet in Redis (added to /stats so this replica's count is current). */
  get pending(): number {
    let sum = 0;
    for (const n of this.unwritten.values()) sum += n;
    return sum;
  }

  async flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.unwritten.size === 0) return;
    const batch = this.unwritten;
    this.unwritten = new Map();
    const { redis, keys } = this.options;
    const multi = redis.multi();
    let total = 0;
    // Per-window refusal counts expire well after the window was published.
    const ttl = windowTtlSeconds(this.options.windowMs);
    for (const [start, n] of batch) {
      total += n;
      multi.incrby(keys.windowRejected(start), n).expire(keys.windowRejected(start), ttl);
    }
    multi.incrby(keys.rejected, total);
    this.writing = multi
      .exec()
      .then((results) => {
        if (!results || results.some(([error]) => error)) throw new Error('not written');
      })
      .catch(() => {
        // Keep the counts for the next flush; a window already published just misses them.
        for (const [start, n] of batch) this.unwritten.set(start, (this.unwritten.get(start) ?? 0) + n);
      })
      .finally(() => {
        this.writing = null;
      });
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

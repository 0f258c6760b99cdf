// Per-producer token bucket on samples, in memory: a producer over its rate gets a nack with
// retryAfterMs instead of crowding out the others. Generous by default; 0 turns it off.

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class ProducerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** A full bucket holds two seconds of samples, and always at least one maximal batch. */
  private readonly burst: number;

  constructor(private readonly samplesPerSec: number) {
    this.burst = Math.max(samplesPerSec * 2, 1000);
  }

  get enabled(): boolean {
    return this.samplesPerSec > 0;
  }

  /** Takes `samples` tokens; returns 0 when allowed, else how many ms until they would be. */
  take(producer: string, samples: number, now: number): number {
    if (this.samplesPerSec <= 0) return 0;
    let bucket = this.buckets.get(producer);
    if (!bucket) {
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(producer, bucket);
    } else if (now > bucket.updatedAt) {
      bucket.tokens = Math.min(
        this.burst,
        bucket.tokens + ((now - bucket.updatedAt) * this.samplesPerSec) / 1000,
      );
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= samples) {
      bucket.tokens -= samples;
      return 0;
    }
    return Math.ceil(((samples - bucket.tokens) / this.samplesPerSec) * 1000);
  }

  /** Forgets producers whose bucket has refilled: they cost nothing to recreate. Keeps the map bounded by active producers. */
  sweep(now: number): void {
    for (const [producer, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) * this.samplesPerSec) / 1000 >= this.burst)
        this.buckets.delete(producer);
    }
  }
}

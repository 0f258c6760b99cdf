// A mergeable fixed-bucket histogram. Buckets are fixed functions of the value (log-linear, ~0.8 %
// wide), so two histograms built on different workers add bucket by bucket into exactly the histogram
// of the union: that is what lets System 1 keep partial windows in Redis and System 2 merge shards.

/** Sub-buckets per power of two: a bucket is at most 1/128 of its value wide (about 0.8 %). */
export const SUB_BUCKETS = 128;
/** Values of 2^64 and more share the last bucket (no metric here comes near). */
const MAX_EXPONENT = 63;
/** Number of buckets: 128 linear ones below 1, then 128 per power of two up to 2^64. */
export const BUCKET_COUNT = SUB_BUCKETS + (MAX_EXPONENT + 1) * SUB_BUCKETS;

// One scratch float whose bits we read: the IEEE 754 exponent and top mantissa bits *are* the
// log-linear bucket, so no Math.log2 is needed on the hot path.
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Index of the bucket holding `value` (values below 0 count as 0). Below 1 the buckets are linear,
 * 1/128 wide; from 1 up each power of two is split into 128 equal buckets.
 */
export function bucketIndex(value: number): number {
  if (!(value > 0)) return 0;
  if (value < 1) return Math.floor(value * SUB_BUCKETS);
  scratch[0] = value;
  const high = scratchBits[HIGH_WORD]!;
  const exponent = ((high >>> 20) & 0x7ff) - 1023;
  if (exponent > MAX_EXPONENT) return BUCKET_COUNT - 1;
  const mantissa = (high >>> 13) & (SUB_BUCKETS - 1);
  return SUB_BUCKETS + exponent * SUB_BUCKETS + mantissa;
}

/** The [low, high) range of values that fall into bucket `index`. */
export function bucketBounds(index: number): [number, number] {
  if (index < SUB_BUCKETS) return [index / SUB_BUCKETS, (index + 1) / SUB_BUCKETS];
  const exponent = Math.floor((index - SUB_BUCKETS) / SUB_BUCKETS);
  const mantissa = (index - SUB_BUCKETS) % SUB_BUCKETS;
  const base = 2 ** exponent;
  return [base * (1 + mantissa / SUB_BUCKETS), base * (1 + (mantissa + 1) / SUB_BUCKETS)];
}

/** The value reported for a bucket: its midpoint. */
export function bucketValue(index: number): number {
  const [low, high] = bucketBounds(index);
  return (low + high) / 2;
}

export interface HistogramSnapshot {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Bucket index -> count, only non-empty buckets. */
  buckets: Record<string, number>;
}

export class Histogram {
  /** Dense bucket counts (33 KB), with the list of touched buckets so reading and reset stay cheap. */
  private readonly dense = new Float64Array(BUCKET_COUNT);
  private readonly touched: number[] = [];
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  record(value: number, times = 1): void {
    const index = bucketIndex(value);
    if (this.dense[index] === 0) this.touched.push(index);
    this.dense[index]! += times;
    this.count += times;
    this.sum += value * times;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds another histogram's buckets and extremes into this one. */
  merge(other: Histogram): this {
    for (const [index, n] of other.counts) this.addToBucket(index, n);
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    return this;
  }

  /**
   * Values at the given quantiles (0..1), each the midpoint of the bucket holding that rank, clamped
   * to the exact min and max. One sort serves all quantiles. Empty histogram: NaN for each.
   */
  quantiles(qs: readonly number[]): number[] {
    if (this.count === 0) return qs.map(() => Number.NaN);
    const indices = [...this.touched].sort((a, b) => a - b);
    const ranks = qs.map((q) => Math.max(1, Math.ceil(q * this.count)));
    const results: number[] = new Array(qs.length).fill(this.max);
    let seen = 0;
    let next = 0;
    const order = ranks.map((rank, i) => ({ rank, i })).sort((a, b) => a.rank - b.rank);
    for (const index of indices) {
      seen += this.dense[index]!;
      while (next < order.length && order[next]!.rank <= seen) {
        const value = bucketValue(index);
        results[order[next]!.i] = Math.min(this.max, Math.max(this.min, value));
        next += 1;
      }
      if (next === order.length) break;
    }
    return results;
  }

  /** Non-empty buckets as [index, count] pairs, in first-touched order. */
  get counts(): Map<number, number> {
    const map = new Map<number, number>();
    for (const index of this.touched) map.set(index, this.dense[index]!);
    return map;
  }

  /** Adds `n` to one bucket without touching count, sum or extremes (for merges and snapshots). */
  private addToBucket(index: number, n: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= BUCKET_COUNT)
      throw new RangeError(`no bucket ${index}`);
    if (this.dense[index] === 0) this.touched.push(index);
    this.dense[index]! += n;
  }

  /** Empties the histogram, clearing only the buckets it used, so one instance can be reused. */
  reset(): void {
    for (const index of this.touched) this.dense[index] = 0;
    this.touched.length = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  quantile(q: number): number {
    return this.quantiles([q])[0]!;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  toSnapshot(): HistogramSnapshot {
    const buckets: Record<string, number> = {};
    for (const index of this.touched) buckets[index] = this.dense[index]!;
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets };
  }

  static fromSnapshot(snapshot: HistogramSnapshot): Histogram {
    const histogram = new Histogram();
    for (const [index, n] of Object.entries(snapshot.buckets)) histogram.addToBucket(Number(index), n);
    histogram.count = snapshot.count;
    histogram.sum = snapshot.sum;
    histogram.min = snapshot.count === 0 ? Number.POSITIVE_INFINITY : snapshot.min;
    histogram.max = snapshot.count === 0 ? Number.NEGATIVE_INFINITY : snapshot.max;
    return histogram;
  }
}

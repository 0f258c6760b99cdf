// A mergeable latency histogram: log-spaced buckets 2 % wide, so percentiles are within 2 % and
// histograms from several workers add up exactly. Serialises to plain JSON (sparse buckets).

const BASE_MS = 0.01; // smallest resolved latency
const GROWTH = 1.02; // each bucket is 2 % wider than the last
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramData {
  /** Bucket index -> count; a bucket i holds values up to BASE_MS * GROWTH^i. */
  buckets: Record<string, number>;
  count: number;
  sum: number;
  max: number;
}

export interface Percentiles {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function emptyHistogram(): HistogramData {
  return { buckets: {}, count: 0, sum: 0, max: 0 };
}

export function recordValue(histogram: HistogramData, valueMs: number): void {
  const value = Math.max(0, valueMs);
  const index = value <= BASE_MS ? 0 : Math.ceil(Math.log(value / BASE_MS) / LOG_GROWTH);
  histogram.buckets[index] = (histogram.buckets[index] ?? 0) + 1;
  histogram.count++;
  histogram.sum += value;
  if (value > histogram.max) histogram.max = value;
}

export function mergeHistograms(into: HistogramData, from: HistogramData): HistogramData {
  for (const [index, count] of Object.entries(from.buckets)) {
    into.buckets[index] = (into.buckets[index] ?? 0) + count;
  }
  into.count += from.count;
  into.sum += from.sum;
  into.max = Math.max(into.max, from.max);
  return into;
}

/** The value at quantile q (0–1): the upper edge of its bucket, never above the true max. */
export function quantile(histogram: HistogramData, q: number): number | null {
  if (histogram.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * histogram.count));
  const indices = Object.keys(histogram.buckets)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const index of indices) {
    seen += histogram.buckets[index] ?? 0;
    if (seen >= rank) return round(Math.min(histogram.max, BASE_MS * GROWTH ** index));
  }
  return round(histogram.max);
}

export function percentiles(histogram: HistogramData): Percentiles {
  const empty = histogram.count === 0;
  return {
    count: histogram.count,
    mean: empty ? null : round(histogram.sum / histogram.count),
    p50: quantile(histogram, 0.5),
    p95: quantile(histogram, 0.95),
    p99: quantile(histogram, 0.99),
    max: empty ? null : round(histogram.max),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

// Latency figures read from the project's one histogram, @ingestlab/aggregation's `Histogram`
// (log-linear buckets: 1/128 ms wide below 1 ms, at most 1/128 ≈ 0.8 % of the value above; a
// quantile is its bucket's midpoint clamped to the exact min and max). Snapshots are plain data, so
// worker threads post them and runs merge them exactly.
import { Histogram, type HistogramSnapshot } from '@ingestlab/aggregation';

export interface Percentiles {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentilesOf(histogram: Histogram): Percentiles {
  if (histogram.count === 0) return { count: 0, mean: null, p50: null, p95: null, p99: null, max: null };
  const [p50, p95, p99] = histogram.quantiles([0.5, 0.95, 0.99]).map(round);
  return {
    count: histogram.count,
    mean: round(histogram.mean),
    p50: p50 ?? null,
    p95: p95 ?? null,
    p99: p99 ?? null,
    max: round(histogram.max),
  };
}

export function emptySnapshot(): HistogramSnapshot {
  return new Histogram().toSnapshot();
}

/** The union of two snapshots, as a new snapshot. */
export function mergeSnapshots(a: HistogramSnapshot, b: HistogramSnapshot): HistogramSnapshot {
  return Histogram.fromSnapshot(a).merge(Histogram.fromSnapshot(b)).toSnapshot();
}

export function percentilesOfSnapshot(snapshot: HistogramSnapshot): Percentiles {
  return percentilesOf(Histogram.fromSnapshot(snapshot));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

// p99 of a short list of measurements (probe acks, window deliveries), with the aggregation
// package's histogram so every percentile in the project has one definition.
import { Histogram } from '@ingestlab/aggregation';

export function p99(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const histogram = new Histogram();
  for (const value of values) histogram.record(value);
  return Math.round(histogram.quantile(0.99) * 10) / 10;
}

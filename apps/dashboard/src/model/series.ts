// Turns held windows into chart points: missing windows become null points (a visible gap, never
// an interpolated line) and long ranges are bucketed so a chart never gets more than `maxPoints`.
import type { Window as MetricWindow } from '@ingestlab/metric-schema';

export interface Point {
  x: number;
  y: number | null;
}

/** A run of consecutive windows drawn as one point, or a gap (no window arrived for that time). */
export interface Bucket {
  x: number;
  windows: readonly MetricWindow[] | null;
}

export interface BucketOptions {
  /** Length of one window (from the system's hello). */
  windowMs: number;
  /** Start of the visible range (ms); windows starting earlier are left out. */
  from: number;
  /** At most this many buckets (points per line). Default 600. */
  maxPoints?: number;
}

/**
 * Groups windows (sorted by start) into at most `maxPoints` time buckets aligned to `from`. A
 * stretch of more than half a bucket with no window becomes a gap bucket, so the line breaks there.
 */
export function bucketWindows(windows: readonly MetricWindow[], options: BucketOptions): Bucket[] {
  const { windowMs, from, maxPoints = 600 } = options;
  const visible = windows.filter((w) => w.start >= from);
  const first = visible[0];
  const last = visible[visible.length - 1];
  if (!first || !last) return [];
  const span = last.start - first.start + windowMs;
  const perBucket = Math.max(1, Math.ceil(span / windowMs / maxPoints));
  const bucketMs = perBucket * windowMs;
  const buckets: Bucket[] = [];
  let current: MetricWindow[] = [];
  let currentIndex = Number.NaN;
  const flush = () => {
    if (current.length > 0) buckets.push({ x: first.start + currentIndex * bucketMs, windows: current });
  };
  for (const window of visible) {
    const index = Math.floor((window.start - first.start) / bucketMs);
    if (index === currentIndex) {
      current.push(window);
      continue;
    }
    flush();
    // A whole bucket (or more) passed without windows: mark the hole so the line is broken.
    if (!Number.isNaN(currentIndex) && index > currentIndex + 1) {
      buckets.push({ x: first.start + (currentIndex + 1) * bucketMs, windows: null });
    }
    currentIndex = index;
    current = [window];
  }
  flush();
  return buckets;
}

export type Pick = (window: MetricWindow) => number | null | undefined;
export type Combine = 'avg' | 'max' | 'sum' | 'last';

/** One line's points: each bucket's windows combined, null for gaps and for buckets with no value. */
export function seriesOf(buckets: readonly Bucket[], pick: Pick, combine: Combine = 'avg'): Point[] {
  const points: Point[] = new Array(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i] as Bucket;
    points[i] = { x: bucket.x, y: bucket.windows ? combineValues(bucket.windows, pick, combine) : null };
  }
  return points;
}

function combineValues(windows: readonly MetricWindow[], pick: Pick, combine: Combine): number | null {
  let count = 0;
  let total = 0;
  let max = Number.NEGATIVE_INFINITY;
  let last: number | null = null;
  for (const window of windows) {
    const value = pick(window);
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    count++;
    total += value;
    if (value > max) max = value;
    last = value;
  }
  if (count === 0) return null;
  if (combine === 'max') return max;
  if (combine === 'sum') return total;
  if (combine === 'last') return last;
  return total / count;
}

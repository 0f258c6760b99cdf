import { describe, expect, it } from 'vitest';
import { bucketWindows, seriesOf } from '../src/model/series.js';
import { makeWindow, makeWindows } from './support/windows.js';

const cpuAvg = (w: { cpu: { avg: number } | null }) => w.cpu?.avg ?? null;

describe('bucketWindows and seriesOf', () => {
  it('draws one point per window when the range is small', () => {
    const buckets = bucketWindows(makeWindows(0, 5), { windowMs: 1000, from: 0 });
    expect(seriesOf(buckets, cpuAvg)).toEqual([
      { x: 0, y: 0 },
      { x: 1000, y: 1 },
      { x: 2000, y: 2 },
      { x: 3000, y: 3 },
      { x: 4000, y: 4 },
    ]);
  });

  it('shows missing windows as a null point (a gap), not an interpolated value', () => {
    const windows = [makeWindow({ start: 0, cpu: 10 }), makeWindow({ start: 1000, cpu: 20 })];
    windows.push(makeWindow({ start: 5000, cpu: 50 })); // 2000..4999: the system was down
    const points = seriesOf(bucketWindows(windows, { windowMs: 1000, from: 0 }), cpuAvg);
    expect(points).toEqual([
      { x: 0, y: 10 },
      { x: 1000, y: 20 },
      { x: 2000, y: null },
      { x: 5000, y: 50 },
    ]);
  });

  it('shows an empty window (no samples, null statistics) as null, not zero', () => {
    const windows = [makeWindow({ start: 0 }), makeWindow({ start: 1000, samples: 0 })];
    const points = seriesOf(bucketWindows(windows, { windowMs: 1000, from: 0 }), cpuAvg);
    expect(points[1]).toEqual({ x: 1000, y: null });
    // Counts are real zeros in an empty window and stay zero.
    const accepted = seriesOf(
      bucketWindows(windows, { windowMs: 1000, from: 0 }),
      (w) => w.pipeline.accepted,
    );
    expect(accepted[1]).toEqual({ x: 1000, y: 0 });
  });

  it('leaves out windows before the visible range', () => {
    const buckets = bucketWindows(makeWindows(0, 10), { windowMs: 1000, from: 7000 });
    expect(buckets.map((b) => b.x)).toEqual([7000, 8000, 9000]);
  });

  it('bounds the points: an hour of 100 ms windows becomes at most maxPoints buckets', () => {
    const windows = makeWindows(0, 36_000, 100);
    const buckets = bucketWindows(windows, { windowMs: 100, from: 0, maxPoints: 600 });
    expect(buckets.length).toBeLessThanOrEqual(600);
    expect(buckets.length).toBeGreaterThan(500);
    // Every window lands in exactly one bucket.
    expect(buckets.reduce((n, b) => n + (b.windows?.length ?? 0), 0)).toBe(36_000);
  });

  it('combines a bucket by avg, max, sum or last, ignoring nulls', () => {
    const windows = [
      makeWindow({ start: 0, cpu: 10 }),
      makeWindow({ start: 1000, samples: 0 }),
      makeWindow({ start: 2000, cpu: 30 }),
      makeWindow({ start: 3000, cpu: 50 }),
    ];
    const buckets = bucketWindows(windows, { windowMs: 1000, from: 0, maxPoints: 2 });
    expect(buckets).toHaveLength(2);
    expect(seriesOf(buckets, cpuAvg, 'avg').map((p) => p.y)).toEqual([10, 40]);
    expect(seriesOf(buckets, (w) => w.cpu?.max ?? null, 'max').map((p) => p.y)).toEqual([20, 60]);
    expect(seriesOf(buckets, (w) => w.samples, 'sum').map((p) => p.y)).toEqual([100, 200]);
    expect(seriesOf(buckets, cpuAvg, 'last').map((p) => p.y)).toEqual([10, 50]);
  });

  it('keeps a long outage visible as a gap even when bucketed', () => {
    const before = makeWindows(0, 1800);
    const after = makeWindows(2_700_000, 900); // 15 minutes with nothing in between
    const buckets = bucketWindows([...before, ...after], { windowMs: 1000, from: 0, maxPoints: 600 });
    const gaps = buckets.filter((b) => b.windows === null);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.x).toBeGreaterThanOrEqual(1_800_000);
    expect(gaps[0]?.x).toBeLessThan(2_700_000);
  });

  it('returns nothing for no windows', () => {
    expect(bucketWindows([], { windowMs: 1000, from: 0 })).toEqual([]);
  });
});

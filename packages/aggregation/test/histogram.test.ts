// The histogram's buckets are exact functions of the value, its quantiles are within a bucket's
// width of the true ones, and merging is exactly the histogram of the union.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketBounds, bucketIndex, Histogram, SUB_BUCKETS } from '../src/index.js';

const value = fc.oneof(
  fc.double({ min: 0, max: 100, noNaN: true }),
  fc.double({ min: 0, max: 1e9, noNaN: true }),
  fc.integer({ min: 0, max: 2 ** 40 }),
);

function trueQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('bucketIndex', () => {
  it('puts every value inside its bucket bounds', () => {
    fc.assert(
      fc.property(value, (v) => {
        const [low, high] = bucketBounds(bucketIndex(v));
        expect(v).toBeGreaterThanOrEqual(low);
        expect(v).toBeLessThan(high);
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact at powers of two and treats negatives as zero', () => {
    for (let e = 0; e < 50; e += 1) expect(bucketBounds(bucketIndex(2 ** e))[0]).toBe(2 ** e);
    expect(bucketIndex(-5)).toBe(0);
  });

  it('keeps buckets no wider than 1/128 of their value above 1', () => {
    for (const v of [1, 1.5, 37.5, 99.9, 125_000, 9e8]) {
      const [low, high] = bucketBounds(bucketIndex(v));
      expect((high - low) / low).toBeLessThanOrEqual(1 / SUB_BUCKETS + 1e-12);
    }
  });
});

describe('Histogram', () => {
  it('reports quantiles within one bucket of the exact ones, and exact min, max, mean', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), (values) => {
        const histogram = new Histogram();
        for (const v of values) histogram.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of [0.5, 0.95, 0.99]) {
          const exact = trueQuantile(sorted, q);
          const [low, high] = bucketBounds(bucketIndex(exact));
          const got = histogram.quantile(q);
          expect(got).toBeGreaterThanOrEqual(Math.min(low, sorted[0]!));
          expect(got).toBeLessThanOrEqual(Math.max(high, sorted[sorted.length - 1]!));
        }
        expect(histogram.max).toBe(sorted[sorted.length - 1]);
        expect(histogram.min).toBe(sorted[0]);
        expect(histogram.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('merge(a, b) has exactly the buckets, count and extremes of the union', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.array(value, { maxLength: 200 }), (left, right) => {
        const a = new Histogram();
        const b = new Histogram();
        const union = new Histogram();
        for (const v of left) {
          a.record(v);
          union.record(v);
        }
        for (const v of right) {
          b.record(v);
          union.record(v);
        }
        a.merge(b);
        expect(new Map([...a.counts].sort())).toEqual(new Map([...union.counts].sort()));
        expect(a.count).toBe(union.count);
        expect(a.min).toBe(union.min);
        expect(a.max).toBe(union.max);
        for (const q of [0.5, 0.95, 0.99]) expect(a.quantile(q)).toBe(union.quantile(q));
      }),
      { numRuns: 300 },
    );
  });

  it('survives a round trip through its snapshot', () => {
    const histogram = new Histogram();
    for (const v of [0, 0.3, 5, 99, 1e6]) histogram.record(v);
    const copy = Histogram.fromSnapshot(JSON.parse(JSON.stringify(histogram.toSnapshot())));
    expect(copy.quantiles([0.5, 0.99])).toEqual(histogram.quantiles([0.5, 0.99]));
    expect(copy.count).toBe(5);
    expect(Histogram.fromSnapshot(new Histogram().toSnapshot()).count).toBe(0);
  });

  it('answers NaN quantiles when empty', () => {
    expect(Number.isNaN(new Histogram().quantile(0.5))).toBe(true);
  });
});

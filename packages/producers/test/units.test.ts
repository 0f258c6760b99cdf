// Small pure parts: CLI units, backoff bounds, the mergeable histogram and summary merging.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { parseRetryAfter } from '../src/transports/http-answers.js';
import { parseDuration, parseRate } from '../src/units.js';
import { Histogram } from '@ingestlab/aggregation';
import { mergeSnapshots, percentilesOf, percentilesOfSnapshot } from '../src/index.js';

describe('units', () => {
  it('parses durations and rates', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2')).toBe(2000);
    expect(parseDuration('0')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDuration('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseDuration('-1s')).toThrow(/not a duration/);
    expect(parseRate('1/s')).toBe(1000);
    expect(parseRate('2/s')).toBe(500);
    expect(parseRate('10/m')).toBe(6000);
    expect(parseRate('1/500ms')).toBe(500);
    expect(parseRate('1/5s')).toBe(5000);
    expect(parseRate('4')).toBe(250);
    expect(() => parseRate('0/s')).toThrow(/above zero/);
  });

  it('reads retry-after as seconds or a date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
  });

  it('keeps backoff within [half, full] of the capped exponential', () => {
    expect(backoffDelay(1, 100, 5000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 5000, () => 0.999)).toBe(100);
    expect(backoffDelay(4, 100, 5000, () => 0.999)).toBe(800);
    expect(backoffDelay(20, 100, 5000, () => 0.5)).toBe(3750);
  });
});

describe('latency percentiles (the aggregation package histogram)', () => {
  it('are within one bucket (< 1 %) and merge exactly across snapshots, as threads post them', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 1000; v++) (v % 2 ? a : b).record(v);
    const merged = mergeSnapshots(a.toSnapshot(), b.toSnapshot());
    const p = percentilesOfSnapshot(merged);
    expect(p.count).toBe(1000);
    expect(p.max).toBe(1000);
    expect(Math.abs((p.p50 ?? 0) - 500) / 500).toBeLessThan(0.01);
    expect(Math.abs((p.p99 ?? 0) - 990) / 990).toBeLessThan(0.01);
    expect(p.mean).toBe(500.5);
    const whole = new Histogram();
    for (let v = 1; v <= 1000; v++) whole.record(v);
    expect(percentilesOf(whole)).toEqual(p);
    expect(percentilesOf(new Histogram()).p50).toBeNull();
  });
});

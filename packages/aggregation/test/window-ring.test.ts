// The history ring keeps a fixed number of windows, newest last, and answers the contract's ranges.
import type { Window } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import { parseHistoryRange, WindowRing } from '../src/index.js';

const windowAt = (start: number): Window => ({
  start,
  end: start + 1000,
  samples: 0,
  hosts: 0,
  cpu: null,
  mem: null,
  disk: null,
  netIn: null,
  netOut: null,
  top: [],
  pipeline: { accepted: 0, rejected: 0, ingestRate: 0, lagP50: null, lagP99: null, queueDepth: 0 },
});

describe('WindowRing', () => {
  it('keeps only the newest `capacity` windows, oldest first', () => {
    const ring = new WindowRing(3);
    for (let i = 0; i < 5; i += 1) ring.push(windowAt(i * 1000));
    expect(ring.length).toBe(3);
    expect(ring.latest().map((w) => w.start)).toEqual([2000, 3000, 4000]);
    expect(ring.latest(2).map((w) => w.start)).toEqual([3000, 4000]);
    expect(ring.latest(0)).toEqual([]);
  });

  it('answers a range by window end, relative to the newest window', () => {
    const ring = new WindowRing();
    for (let i = 0; i < 400; i += 1) ring.push(windowAt(i * 1000));
    expect(ring.range('1m')).toHaveLength(60);
    expect(ring.range('5m')).toHaveLength(300);
    expect(ring.range('1h')).toHaveLength(400);
    expect(new WindowRing().range('1m')).toEqual([]);
  });

  it('defaults to one hour of one-second windows', () => {
    expect(new WindowRing().capacity).toBe(3600);
    expect(() => new WindowRing(0)).toThrow(RangeError);
  });
});

describe('parseHistoryRange', () => {
  it('accepts the contract ranges and explains a bad one', () => {
    expect(parseHistoryRange('15m')).toEqual({ ok: true, range: '15m' });
    for (const bad of ['2m', '', undefined, '__proto__', 'toString', ['1m']]) {
      const result = parseHistoryRange(bad);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toBe('range must be one of 1m, 5m, 15m, 1h');
    }
  });
});

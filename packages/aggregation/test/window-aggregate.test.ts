// Window aggregates merge exactly (so System 1's workers and System 2's shards agree with a single
// process), serialise losslessly, and close into the contract's Window.
import fc from 'fast-check';
import { type Sample, validateDashboardFrame, type Window } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import {
  aggregateOffline,
  msUntilWindowEnd,
  partialOf,
  WindowAggregate,
  windowStartFor,
} from '../src/index.js';

const START = 1_763_830_000_000;
const WINDOW = 1000;

const sampleArb = fc.record({
  host: fc.constantFrom('web-1', 'web-2', 'db-1', 'db-2', 'cache-1', 'cache-2', 'api-1'),
  ts: fc.integer({ min: START - 5000, max: START + 999 }),
  cpu: fc.double({ min: 0, max: 100, noNaN: true }),
  mem: fc.double({ min: 0, max: 100, noNaN: true }),
  disk: fc.double({ min: 0, max: 100, noNaN: true }),
  netIn: fc.double({ min: 0, max: 1e9, noNaN: true }),
  netOut: fc.double({ min: 0, max: 1e9, noNaN: true }),
}) as fc.Arbitrary<Sample>;

/** Compares two windows, allowing float rounding in averages (sums add in a different order). */
function expectSameWindow(actual: Window, expected: Window) {
  const strip = (w: Window) => ({
    ...w,
    cpu: w.cpu && { ...w.cpu, avg: 0 },
    mem: w.mem && { ...w.mem, avg: 0 },
    disk: w.disk && { ...w.disk, avg: 0 },
    netIn: w.netIn && { ...w.netIn, avg: 0 },
    netOut: w.netOut && { ...w.netOut, avg: 0 },
  });
  expect(strip(actual)).toEqual(strip(expected));
  for (const name of ['cpu', 'mem', 'disk', 'netIn', 'netOut'] as const) {
    if (expected[name]) expect(actual[name]!.avg).toBeCloseTo(expected[name]!.avg, 2);
  }
}

describe('WindowAggregate', () => {
  it('merge(a, b) closes to the same window as aggregating a ∪ b', () => {
    fc.assert(
      fc.property(
        fc.array(sampleArb, { maxLength: 150 }),
        fc.array(sampleArb, { maxLength: 150 }),
        (left, right) => {
          const a = new WindowAggregate(START, WINDOW);
          const b = new WindowAggregate(START, WINDOW);
          a.addAll(left);
          b.addAll(right);
          const context = { publishedAt: START + WINDOW + 50 };
          expectSameWindow(
            a.merge(b).close(context),
            aggregateOffline([...left, ...right], START, WINDOW, context),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merges partials that went through JSON, as System 1 workers do via Redis', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(sampleArb, { maxLength: 60 }), { minLength: 1, maxLength: 5 }),
        (parts) => {
          const merged = new WindowAggregate(START, WINDOW);
          for (const part of parts) {
            const worker = new WindowAggregate(START, WINDOW);
            worker.addAll(part);
            merged.merge(JSON.parse(JSON.stringify(worker.toPartial())));
          }
          const context = { publishedAt: START + WINDOW + 10, rejected: 2, queueDepth: 7 };
          expectSameWindow(merged.close(context), aggregateOffline(parts.flat(), START, WINDOW, context));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses to merge a different window', () => {
    expect(() =>
      new WindowAggregate(START, WINDOW).merge(new WindowAggregate(START + WINDOW, WINDOW)),
    ).toThrow(/cannot merge/);
  });

  it('closes an empty window with null statistics and lag', () => {
    const window = new WindowAggregate(START, WINDOW).close({ publishedAt: START + WINDOW });
    expect(window).toMatchObject({ samples: 0, hosts: 0, cpu: null, netOut: null, top: [] });
    expect(window.pipeline).toEqual({
      accepted: 0,
      rejected: 0,
      ingestRate: 0,
      lagP50: null,
      lagP99: null,
      queueDepth: 0,
    });
    expect(validateDashboardFrame({ type: 'window', window }).ok).toBe(true);
  });

  it('lists the five hottest hosts by their highest CPU, ties by name', () => {
    const aggregate = new WindowAggregate(START, WINDOW);
    const base = { ts: START, mem: 1, disk: 1, netIn: 1, netOut: 1 };
    for (const [host, cpu] of [
      ['a', 10],
      ['b', 90],
      ['c', 50],
      ['d', 50],
      ['e', 20],
      ['f', 5],
      ['a', 95],
      ['g', 50],
    ] as const) {
      aggregate.add({ ...base, host, cpu });
    }
    expect(aggregate.topHosts()).toEqual([
      { host: 'a', cpu: 95 },
      { host: 'b', cpu: 90 },
      { host: 'c', cpu: 50 },
      { host: 'd', cpu: 50 },
      { host: 'g', cpu: 50 },
    ]);
    expect(aggregate.close({ publishedAt: START + WINDOW }).hosts).toBe(7);
  });

  it('measures lag from sample ts to publication', () => {
    const aggregate = new WindowAggregate(START, WINDOW);
    const base = { host: 'h', cpu: 1, mem: 1, disk: 1, netIn: 1, netOut: 1 };
    for (let i = 0; i < 100; i += 1) aggregate.add({ ...base, ts: START + WINDOW - 100 });
    const window = aggregate.close({ publishedAt: START + WINDOW + 20 });
    // every sample is 120 ms old at publication; buckets are < 1 % wide
    expect(window.pipeline.lagP50).toBeGreaterThan(119);
    expect(window.pipeline.lagP50).toBeLessThan(121.5);
    expect(window.pipeline.ingestRate).toBe(100);
    expect(validateDashboardFrame({ type: 'window', window }).ok).toBe(true);
  });
});

describe('window clock', () => {
  it('aligns windows to the epoch', () => {
    expect(windowStartFor(START + 999, WINDOW)).toBe(START);
    expect(windowStartFor(START + 1000, WINDOW)).toBe(START + 1000);
    expect(msUntilWindowEnd(START + 250, WINDOW)).toBe(750);
  });
});

describe('partialOf and reset', () => {
  it('gives the same partial as a fresh aggregate, call after call', () => {
    const base = { mem: 1, disk: 2, netIn: 3, netOut: 4 };
    const first = [{ ...base, host: 'a', ts: START, cpu: 10 }];
    const second = [
      { ...base, host: 'b', ts: START + WINDOW, cpu: 70 },
      { ...base, host: 'c', ts: START + WINDOW, cpu: 20 },
    ];
    const fresh = (samples: Sample[], start: number) => {
      const aggregate = new WindowAggregate(start, WINDOW);
      aggregate.addAll(samples);
      return aggregate.toPartial();
    };
    expect(partialOf(first, START, WINDOW)).toEqual(fresh(first, START));
    expect(partialOf(second, START + WINDOW, WINDOW)).toEqual(fresh(second, START + WINDOW));
    expect(partialOf(second, START + WINDOW, WINDOW).hostCpu).toEqual({ b: 70, c: 20 });
  });
});

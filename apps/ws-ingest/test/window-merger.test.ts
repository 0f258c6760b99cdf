import { WindowAggregate } from '@ingestlab/aggregation';
import { describe, expect, it } from 'vitest';
import { type MergedWindow, type SourceView, WindowMerger } from '../src/merger/window-merger.js';
import { makeSamples } from './helpers.js';

const W = 1000;

function partialOf(start: number, n: number, seed: number) {
  const aggregate = new WindowAggregate(start, W);
  aggregate.addAll(makeSamples(n, seed, 20, start + 10));
  return aggregate.toPartial();
}

function setup(sources: SourceView[], mergeWaitMs = 500) {
  const published: MergedWindow[] = [];
  const merger = new WindowMerger({
    windowMs: W,
    mergeWaitMs,
    sources: () => sources,
    publish: (window) => published.push(window),
  });
  return { merger, published };
}

describe('WindowMerger', () => {
  it('publishes a window once every live shard reported it, merged exactly', () => {
    const sources: SourceView[] = [
      { name: 'a', state: 'up', lastWindow: null },
      { name: 'b', state: 'up', lastWindow: null },
    ];
    const { merger, published } = setup(sources);
    const a = partialOf(5000, 40, 1);
    const b = partialOf(5000, 25, 2);
    merger.add('a', a, 1);
    merger.tick(6001);
    expect(published).toHaveLength(0);
    merger.add('b', b, 2);
    merger.tick(6002);
    expect(published).toHaveLength(1);
    const only = published[0]!;
    expect(only.reported).toEqual(['a', 'b']);
    expect(only.missing).toEqual([]);
    expect(only.rejected).toBe(3);
    const reference = new WindowAggregate(5000, W).merge(a).merge(b);
    expect(only.aggregate.close({ publishedAt: 7000 })).toEqual(reference.close({ publishedAt: 7000 }));
  });

  it('does not wait for a down shard, and names it missing', () => {
    const sources: SourceView[] = [
      { name: 'a', state: 'up', lastWindow: null },
      { name: 'b', state: 'down', lastWindow: 3000 },
    ];
    const { merger, published } = setup(sources);
    merger.add('a', partialOf(5000, 10, 1), 0);
    merger.tick(6001);
    expect(published.map((w) => [w.aggregate.start, w.missing])).toEqual([[5000, ['b']]]);
  });

  it('publishes without a silent live shard after the bounded wait, in order; its late partial is refused', () => {
    const sources: SourceView[] = [
      { name: 'a', state: 'up', lastWindow: null },
      { name: 'b', state: 'up', lastWindow: null },
    ];
    const { merger, published } = setup(sources, 500);
    merger.add('a', partialOf(5000, 10, 1), 0);
    merger.add('a', partialOf(6000, 10, 1), 0);
    merger.tick(6499);
    expect(published).toHaveLength(0);
    merger.tick(6500);
    expect(published.map((w) => [w.aggregate.start, w.missing])).toEqual([[5000, ['b']]]);
    expect(merger.add('b', partialOf(5000, 10, 2), 0)).toBe(false);
    expect(merger.add('b', partialOf(6000, 10, 2), 0)).toBe(true);
    merger.tick(6600);
    expect(published.map((w) => [w.aggregate.start, w.missing, w.aggregate.samples])).toEqual([
      [5000, ['b'], 10],
      [6000, [], 20],
    ]);
  });

  it('does not wait for a shard that has moved past the window (it restarted after it)', () => {
    const sources: SourceView[] = [
      { name: 'a', state: 'up', lastWindow: 5000 },
      { name: 'b', state: 'up', lastWindow: 7000 },
    ];
    const { merger, published } = setup(sources);
    merger.add('a', partialOf(5000, 10, 1), 0);
    merger.tick(6001);
    expect(published.map((w) => w.missing)).toEqual([['b']]);
  });

  it('counts a repeated partial from the same shard once', () => {
    const sources: SourceView[] = [{ name: 'a', state: 'up', lastWindow: null }];
    const { merger, published } = setup(sources);
    const a = partialOf(5000, 10, 1);
    merger.add('a', a, 0);
    merger.add('a', a, 0);
    merger.tick(6001);
    expect(published[0]!.aggregate.samples).toBe(10);
  });
});

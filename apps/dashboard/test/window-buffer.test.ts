import { describe, expect, it } from 'vitest';
import { WindowBuffer } from '../src/model/window-buffer.js';
import { makeWindow, makeWindows } from './support/windows.js';

const starts = (buffer: WindowBuffer) => buffer.windows.map((w) => w.start);

describe('WindowBuffer', () => {
  it('keeps windows ordered by start whatever order they arrive in', () => {
    const buffer = new WindowBuffer(10);
    for (const start of [3000, 1000, 4000, 2000]) buffer.insert(makeWindow({ start }));
    expect(starts(buffer)).toEqual([1000, 2000, 3000, 4000]);
  });

  it('dedupes a snapshot overlapping live windows, the newer copy replacing the held one', () => {
    const buffer = new WindowBuffer(100);
    buffer.merge(makeWindows(0, 5));
    // Reconnect: the snapshot repeats windows 2..4 (one with a corrected count) and adds 5..6.
    const snapshot = makeWindows(2000, 5);
    snapshot[0] = makeWindow({ start: 2000, samples: 7 });
    buffer.merge(snapshot.reverse());
    expect(starts(buffer)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(buffer.windows[2]?.samples).toBe(7);
  });

  it('is bounded: the oldest windows leave first and size never passes capacity', () => {
    const buffer = new WindowBuffer(50);
    for (let i = 0; i < 10_000; i++) buffer.insert(makeWindow({ start: i * 1000 }));
    expect(buffer.size).toBe(50);
    expect(buffer.first?.start).toBe(9950 * 1000);
    expect(buffer.last?.start).toBe(9999 * 1000);
  });

  it('drops a late window older than everything a full buffer keeps', () => {
    const buffer = new WindowBuffer(3);
    buffer.merge(makeWindows(10_000, 3));
    expect(buffer.insert(makeWindow({ start: 1000 }))).toBe(false);
    expect(starts(buffer)).toEqual([10_000, 11_000, 12_000]);
  });

  it('answers ranges by start time', () => {
    const buffer = new WindowBuffer(100);
    buffer.merge(makeWindows(0, 10));
    expect(buffer.range(7000).map((w) => w.start)).toEqual([7000, 8000, 9000]);
    expect(buffer.range(2500, 5000).map((w) => w.start)).toEqual([3000, 4000]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new WindowBuffer(0)).toThrow(/capacity/);
  });
});

// The bounded history of closed windows (default one hour at one window a second). Old windows fall
// off the end, so memory stays fixed however long a system runs.
import { HISTORY_RANGES, type HistoryRange, type Window } from '@ingestlab/metric-schema';

export const DEFAULT_RING_CAPACITY = 3600;

export class WindowRing {
  private readonly slots: (Window | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number = DEFAULT_RING_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(window: Window): void {
    this.slots[this.next] = window;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size += 1;
  }

  /** The newest `count` windows, oldest first. */
  latest(count: number = this.size): Window[] {
    const n = Math.min(Math.max(0, Math.floor(count)), this.size);
    const result: Window[] = new Array(n);
    for (let i = 0; i < n; i += 1) {
      result[i] = this.slots[(this.next - n + i + this.capacity) % this.capacity]!;
    }
    return result;
  }

  /** Windows that ended within `rangeMs` of the newest one, oldest first. */
  within(rangeMs: number): Window[] {
    const all = this.latest();
    const newest = all[all.length - 1];
    if (!newest) return [];
    const from = newest.end - rangeMs;
    let first = all.length;
    while (first > 0 && all[first - 1]!.end > from) first -= 1;
    return all.slice(first);
  }

  range(range: HistoryRange): Window[] {
    return this.within(HISTORY_RANGES[range]);
  }
}

/** Parses `?range=` strictly: one of the contract's ranges, or an explanation of what is allowed. */
export function parseHistoryRange(
  value: unknown,
): { ok: true; range: HistoryRange } | { ok: false; error: string } {
  if (typeof value === 'string' && Object.hasOwn(HISTORY_RANGES, value))
    return { ok: true, range: value as HistoryRange };
  return { ok: false, error: `range must be one of ${Object.keys(HISTORY_RANGES).join(', ')}` };
}

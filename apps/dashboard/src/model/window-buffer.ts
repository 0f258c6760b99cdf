// A bounded, start-ordered store of windows for one system: snapshots, history and live windows
// merge into it without duplicates, and it never holds more than `capacity` windows.
import type { Window as MetricWindow } from '@ingestlab/metric-schema';

export class WindowBuffer {
  #windows: MetricWindow[] = [];

  /** `capacity`: most windows kept; the oldest are dropped first. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#windows.length;
  }

  /** Windows in start order (read-only view; do not mutate). */
  get windows(): readonly MetricWindow[] {
    return this.#windows;
  }

  get last(): MetricWindow | undefined {
    return this.#windows[this.#windows.length - 1];
  }

  get first(): MetricWindow | undefined {
    return this.#windows[0];
  }

  /**
   * Adds one window. The common case (newer than everything held) is an append; an older one is
   * placed in order; one with a known start replaces the held copy (the newer frame wins).
   * Returns false when the window was older than everything kept in a full buffer.
   */
  insert(window: MetricWindow): boolean {
    const list = this.#windows;
    const last = list[list.length - 1];
    if (!last || window.start > last.start) {
      list.push(window);
    } else {
      const index = this.#lowerBound(window.start);
      if (list[index]?.start === window.start) list[index] = window;
      else if (index === 0 && list.length >= this.capacity) return false;
      else list.splice(index, 0, window);
    }
    if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
    return true;
  }

  /** Merges a batch of windows (a snapshot or a history answer) in any order. */
  merge(windows: readonly MetricWindow[]): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    for (const window of sorted) this.insert(window);
  }

  /** Windows with `start >= from` (and `start < to` when given), in order. */
  range(from: number, to = Number.POSITIVE_INFINITY): MetricWindow[] {
    const begin = this.#lowerBound(from);
    const end = to === Number.POSITIVE_INFINITY ? this.#windows.length : this.#lowerBound(to);
    return this.#windows.slice(begin, end);
  }

  clear(): void {
    this.#windows = [];
  }

  /** First index whose start is >= `start` (binary search; the list is sorted by start). */
  #lowerBound(start: number): number {
    let lo = 0;
    let hi = this.#windows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#windows[mid] as MetricWindow).start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

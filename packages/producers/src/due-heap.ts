// A binary min-heap of producers keyed by when their next batch is due: the scheduler takes every
// producer whose time has come, in order, at O(log n) each, however many thousands are waiting.

export interface Due {
  /** When the next batch is due (performance.now() ms). */
  nextDue: number;
}

export class DueHeap<T extends Due> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.nextDue <= item.nextDue) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** The top item's nextDue changed (it only ever grows): move it down to its place. */
  updateTop(): void {
    const items = this.#items;
    const n = items.length;
    const item = items[0];
    if (!item) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && items[right]!.nextDue < items[left]!.nextDue ? right : left;
      if (items[child]!.nextDue >= item.nextDue) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }
}

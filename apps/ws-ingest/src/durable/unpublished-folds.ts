// Which window each end-to-end batch of this life went into, for the windows not yet published. A
// batch sent again whose first ack was lost with its connection is found by the duplicate index, and
// its second ack must name the same window as the first would have, or a later crash could count it
// twice (a later window) or lose it (an earlier one). Once its window is published, the watermark
// is a correct answer for it, so the record only spans the open window and those being written.

export class UnpublishedFolds {
  /** Window end → producer → the seqs folded into it (one seq stored bare: most producers send one a window). */
  private readonly windows = new Map<number, Map<string, number | Set<number>>>();

  add(windowEnd: number, producer: string, seq: number): void {
    let producers = this.windows.get(windowEnd);
    if (!producers) {
      producers = new Map();
      this.windows.set(windowEnd, producers);
    }
    const held = producers.get(producer);
    if (held === undefined) producers.set(producer, seq);
    else if (typeof held === 'number') {
      if (held !== seq) producers.set(producer, new Set([held, seq]));
    } else held.add(seq);
  }

  /** The window end a batch of this life was folded into, if that window is not published yet. */
  windowOf(producer: string, seq: number): number | undefined {
    for (const [windowEnd, producers] of this.windows) {
      const held = producers.get(producer);
      if (held === seq || (typeof held === 'object' && held.has(seq))) return windowEnd;
    }
    return undefined;
  }

  /** Forgets the windows ending at or before `upTo`: they are published. */
  published(upTo: number): void {
    for (const windowEnd of this.windows.keys()) if (windowEnd <= upTo) this.windows.delete(windowEnd);
  }

  /** Windows held (for tests: stays at one or two while publications keep up). */
  get size(): number {
    return this.windows.size;
  }
}

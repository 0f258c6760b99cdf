// Remembers (producer, seq) pairs for at least the duplicate horizon in bounded memory: pairs live
// in time slices, and whole slices fall off once older than the horizon (or early, counted, when
// the entry cap is reached), so there is no per-entry timer and no unbounded growth.

export interface DuplicateIndexOptions {
  /** A pair is remembered at least this long (ms). The contract asks for ≥ 10 minutes. */
  horizonMs: number;
  /** The horizon is cut into this many slices; one extra slice is kept so nothing expires early. Default 10. */
  slices?: number;
  /** Upper bound on remembered pairs; past it the oldest slice is dropped before its time. */
  maxEntries: number;
}

interface Slice {
  id: number;
  producers: Map<string, Set<number>>;
  size: number;
}

export class DuplicateIndex {
  private readonly sliceMs: number;
  private readonly keep: number;
  private readonly maxEntries: number;
  /** Oldest first. */
  private readonly ring: Slice[] = [];
  private entries = 0;
  /** Slices dropped before the horizon because of maxEntries: the horizon was shortened this often. */
  evictedEarly = 0;

  constructor(options: DuplicateIndexOptions) {
    const slices = options.slices ?? 10;
    this.sliceMs = Math.ceil(options.horizonMs / slices);
    this.keep = slices + 1;
    this.maxEntries = options.maxEntries;
  }

  get size(): number {
    return this.entries;
  }

  has(producer: string, seq: number, now: number): boolean {
    this.expire(now);
    for (let i = this.ring.length - 1; i >= 0; i -= 1) {
      if (this.ring[i]!.producers.get(producer)?.has(seq)) return true;
    }
    return false;
  }

  add(producer: string, seq: number, now: number): void {
    this.expire(now);
    const id = Math.floor(now / this.sliceMs);
    let slice = this.ring[this.ring.length - 1];
    if (!slice || slice.id !== id) {
      slice = { id, producers: new Map(), size: 0 };
      this.ring.push(slice);
    }
    let seqs = slice.producers.get(producer);
    if (!seqs) {
      seqs = new Set();
      slice.producers.set(producer, seqs);
    }
    if (seqs.has(seq)) return;
    seqs.add(seq);
    slice.size += 1;
    this.entries += 1;
    while (this.entries > this.maxEntries && this.ring.length > 1) {
      this.entries -= this.ring.shift()!.size;
      this.evictedEarly += 1;
    }
  }

  private expire(now: number): void {
    const oldestKept = Math.floor(now / this.sliceMs) - this.keep + 1;
    while (this.ring.length > 0 && this.ring[0]!.id < oldestKept) this.entries -= this.ring.shift()!.size;
  }
}

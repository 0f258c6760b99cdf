// Merges the shards' partial windows of the same start into one aggregate (exact: the histograms'
// fixed buckets add) and decides when a window is whole: when every shard still expected has
// reported it, or MERGE_WAIT_MS after its end, whichever comes first. Windows go out in order.
import { type PartialWindow, WindowAggregate } from '@ingestlab/aggregation';

/** What the merger needs to know of a shard to decide whether to wait for it. */
export interface SourceView {
  readonly name: string;
  /** `down` shards are not waited for; `unknown` (not reached yet) ones are, up to the wait. */
  readonly state: 'up' | 'down' | 'unknown';
  /** Start of the last window it reported: a shard reports in order, so it has nothing older to send. */
  readonly lastWindow: number | null;
}

export interface MergedWindow {
  aggregate: WindowAggregate;
  /** Names of the shards whose partial is in it, and of those whose partial is not. */
  reported: string[];
  missing: string[];
  /** Refusals the shards counted while it was open. */
  rejected: number;
}

interface Pending {
  aggregate: WindowAggregate;
  reported: Set<string>;
  rejected: number;
}

export interface WindowMergerOptions {
  windowMs: number;
  mergeWaitMs: number;
  /** The shards, in configuration order. */
  sources: () => readonly SourceView[];
  publish: (window: MergedWindow) => void;
}

export class WindowMerger {
  private readonly pending = new Map<number, Pending>();
  /** Start of the last window published; a partial at or before it is late. */
  private lastPublished = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: WindowMergerOptions) {}

  /** Adds one shard's partial window; false when its window was already published (too late). */
  add(source: string, partial: PartialWindow, rejected: number): boolean {
    if (partial.start <= this.lastPublished) return false;
    if (partial.windowMs !== this.options.windowMs) return false;
    let entry = this.pending.get(partial.start);
    if (!entry) {
      entry = {
        aggregate: new WindowAggregate(partial.start, partial.windowMs),
        reported: new Set(),
        rejected: 0,
      };
      this.pending.set(partial.start, entry);
    }
    if (entry.reported.has(source)) return true; // the same window again (a repeated answer)
    entry.aggregate.merge(partial);
    entry.reported.add(source);
    entry.rejected += rejected;
    return true;
  }

  /** Publishes, oldest first, every pending window that is whole or waited for long enough. */
  tick(now: number): void {
    if (this.pending.size === 0) return;
    const starts = [...this.pending.keys()].sort((a, b) => a - b);
    const sources = this.options.sources();
    for (const start of starts) {
      const entry = this.pending.get(start)!;
      const overdue = now >= start + this.options.windowMs + this.options.mergeWaitMs;
      const whole = sources.every(
        (source) =>
          entry.reported.has(source.name) ||
          source.state === 'down' ||
          (source.lastWindow !== null && source.lastWindow > start),
      );
      if (!overdue && !whole) return;
      this.pending.delete(start);
      this.lastPublished = start;
      const reported = sources.filter((s) => entry.reported.has(s.name)).map((s) => s.name);
      const missing = sources.filter((s) => !entry.reported.has(s.name)).map((s) => s.name);
      this.options.publish({ aggregate: entry.aggregate, reported, missing, rejected: entry.rejected });
    }
  }

  /** Windows waiting for a shard. */
  get waiting(): number {
    return this.pending.size;
  }
}

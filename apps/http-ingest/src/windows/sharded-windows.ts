// Windows of a sharded System 1: each shard closes its own part of a window (close.lua, in its slot,
// by its own accounts), and the publisher merges the parts, exactly (the histograms merge), into the
// one window it publishes. A shard keeps its closed part until the window is published, so every
// replica that merges it reads the same parts; publish.lua's fence under the unsharded tag lets one
// of them publish it.
import { WindowAggregate } from '@ingestlab/aggregation';
import type { Window } from '@ingestlab/metric-schema';
import type { ClosingStore } from './publisher.js';
import type { ClosedAggregate, CloseOutcome, WindowStore } from './window-store.js';

/** A closed part is kept this long at least (or two maximum waits, if longer) for the merge. */
const KEEP_SECONDS = 120;

export class ShardedWindows implements ClosingStore {
  private readonly keepSeconds: number;

  /**
   * @param publication the unsharded keys' store: the publication fence, the history, the channel.
   * @param shards one store per shard.
   */
  constructor(
    private readonly publication: WindowStore,
    private readonly shards: readonly WindowStore[],
    maxWaitMs: number,
  ) {
    this.keepSeconds = Math.max(KEEP_SECONDS, Math.ceil((2 * maxWaitMs) / 1000));
  }

  /** The start of the newest published window. */
  closedUpto(): Promise<number | null> {
    return this.publication.closedUpto();
  }

  /**
   * Closes the window in every shard; once all are closed, merges their parts. Not yet while any
   * shard's part is still open or waiting for its folds (a part closed meanwhile is kept).
   */
  async close(start: number, maxWaitMs: number): Promise<CloseOutcome> {
    const published = await this.publication.closedUpto();
    if (published !== null && published >= start) return { kind: 'closed-already', closedUpto: published };
    const outcomes = await Promise.all(
      this.shards.map((shard) => shard.close(start, maxWaitMs, undefined, this.keepSeconds)),
    );
    const waiting = outcomes.filter((o) => o.kind === 'not-yet');
    if (waiting.length > 0) {
      return {
        kind: 'not-yet',
        admitted: waiting.reduce((sum, o) => sum + o.admitted, 0),
        folded: waiting.reduce((sum, o) => sum + o.folded, 0),
        retryInMs: Math.min(...waiting.map((o) => o.retryInMs)),
      };
    }
    const parts: ClosedAggregate[] = [];
    for (const outcome of outcomes) if (outcome.kind === 'closed') parts.push(outcome.aggregate);
    if (parts.length < this.shards.length) {
      // A part is gone: published (and forgotten) by another replica meanwhile, or kept past its time.
      const now = await this.publication.closedUpto();
      if (now !== null && now >= start) return { kind: 'closed-already', closedUpto: now };
    }
    const merged = new WindowAggregate(start, this.publication.windowMs);
    for (const part of parts) merged.merge(part.partial);
    return {
      kind: 'closed',
      aggregate: {
        partial: merged.toPartial(),
        rejected: parts.reduce((sum, p) => sum + p.rejected, 0),
        late: parts.reduce((sum, p) => sum + p.late, 0),
        complete: parts.length === this.shards.length && parts.every((p) => p.complete),
        closedAt: Math.max(0, ...parts.map((p) => p.closedAt)),
      },
    };
  }

  /** Publishes the merged window unless another replica did; then the shards forget their parts. */
  async store(window: Window): Promise<boolean> {
    const published = await this.publication.publishOnce(window);
    if (published) {
      await Promise.all(this.shards.map((shard) => shard.forget(window.start).catch(() => {})));
    }
    return published;
  }
}

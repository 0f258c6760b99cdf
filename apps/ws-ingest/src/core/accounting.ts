// System 2's contract counts, kept as plain numbers on the hot path; /stats and /metrics read them.
import type { Stats } from '@ingestlab/metric-schema';
import { type RefusalReason, type SharedCounters, sharedCounters } from '@ingestlab/serving';

/** Distinct producer names remembered for the `producers` figure; beyond this the figure stops growing. */
const MAX_TRACKED_PRODUCERS = 1_000_000;

export class Accounting {
  readonly startedAt = Date.now();
  /** acceptedSamples, rejectedBatches by reason, duplicateBatches, windowsPublished (the shared metric families). */
  readonly counters: SharedCounters & { rejectedBatches: Record<RefusalReason, number> } = sharedCounters();
  /** Samples folded into the open window (always equal to accepted: the fold precedes the ack). */
  aggregated = 0;
  /** Batches (and refused connections) of every kind. */
  rejected = 0;
  /** Refusals since the last window closed: each window reports its own. */
  private rejectedInWindow = 0;
  private readonly producers = new Set<string>();

  seeProducer(name: string): void {
    if (this.producers.size < MAX_TRACKED_PRODUCERS) this.producers.add(name);
  }

  reject(reason: RefusalReason): void {
    this.rejected += 1;
    this.rejectedInWindow += 1;
    this.counters.rejectedBatches[reason] += 1;
  }

  /** Refusals since the previous call, for the window being closed. */
  takeWindowRejected(): number {
    const n = this.rejectedInWindow;
    this.rejectedInWindow = 0;
    return n;
  }

  stats(): Stats {
    return {
      system: 'ws-memory',
      accepted: this.counters.acceptedSamples,
      aggregated: this.aggregated,
      rejected: this.rejected,
      duplicates: this.counters.duplicateBatches,
      producers: this.producers.size,
      queueDepth: 0,
      uptimeMs: Date.now() - this.startedAt,
    };
  }
}

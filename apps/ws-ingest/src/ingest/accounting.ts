// System 2's counters, kept as plain numbers on the hot path; /stats and /metrics read them.
import type { Stats } from '@ingestlab/metric-schema';

/** Why a batch (or a connection) was refused; one label per kind for /metrics. */
export type RefusalKind =
  | 'invalid'
  | 'not-json'
  | 'binary'
  | 'too-large'
  | 'bad-utf8'
  | 'protocol'
  | 'bad-token'
  | 'rate-limited';

/** Distinct producer names remembered for the `producers` figure; beyond this the figure stops growing. */
export const MAX_TRACKED_PRODUCERS = 1_000_000;

export class Accounting {
  readonly startedAt = Date.now();
  /** Samples acknowledged. */
  accepted = 0;
  /** Samples folded into the open window (always equal to `accepted`: the fold precedes the ack). */
  aggregated = 0;
  /** Batches (and refused connections) of every kind. */
  rejected = 0;
  duplicates = 0;
  framesIn = 0;
  acks = 0;
  nacks = 0;
  connectionsOpened = 0;
  connectionsOpen = 0;
  /** Refusals since the last window closed: each window reports its own. */
  private rejectedInWindow = 0;
  readonly refusals: Record<RefusalKind, number> = {
    invalid: 0,
    'not-json': 0,
    binary: 0,
    'too-large': 0,
    'bad-utf8': 0,
    protocol: 0,
    'bad-token': 0,
    'rate-limited': 0,
  };
  private readonly producers = new Set<string>();

  seeProducer(name: string): void {
    if (this.producers.size < MAX_TRACKED_PRODUCERS) this.producers.add(name);
  }

  reject(kind: RefusalKind): void {
    this.rejected += 1;
    this.rejectedInWindow += 1;
    this.refusals[kind] += 1;
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
      accepted: this.accepted,
      aggregated: this.aggregated,
      rejected: this.rejected,
      duplicates: this.duplicates,
      producers: this.producers.size,
      queueDepth: 0,
      uptimeMs: Date.now() - this.startedAt,
    };
  }
}

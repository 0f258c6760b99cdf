// System 2's in-memory core: everything one process holds (counts, duplicate index, rate limiter,
// the open window and its clock, the history ring, the live hub), behind one call the ingest
// socket makes per batch: ingest(batch, now). It implements the serving core's ServedSystem, so
// /stats, /readyz, /api/history, /metrics and /live serve it. It knows nothing of sockets.
import { WindowRing } from '@ingestlab/aggregation';
import type { LiveHub } from '@ingestlab/fanout';
import type { Batch, HistoryRange, Readiness, Stats, Window } from '@ingestlab/metric-schema';
import {
  createLiveHub,
  type RefusalReason,
  type ServedSystem,
  type SharedCounters,
} from '@ingestlab/serving';
import type { Config } from '../config.js';
import { Accounting } from './accounting.js';
import { DuplicateIndex } from './duplicate-index.js';
import { ProducerRateLimiter } from './rate-limiter.js';
import { WindowClock } from './window-clock.js';

/** A window more than this many window lengths overdue means the clock (or the event loop) is stuck. */
const OVERDUE_WINDOWS = 5;

export class IngestCore implements ServedSystem {
  readonly name = 'ws-memory' as const;
  readonly windowMs: number;
  readonly accounting = new Accounting();
  readonly ring: WindowRing;
  readonly hub: LiveHub;
  readonly clock: WindowClock;
  private readonly duplicates: DuplicateIndex;
  private readonly rateLimiter: ProducerRateLimiter;
  private stopped = false;
  /** Set by the last ingest() that answered 0: how long the producer should wait. */
  retryAfterMs = 0;

  constructor(readonly config: Config) {
    this.windowMs = config.windowMs;
    this.duplicates = new DuplicateIndex({
      horizonMs: config.duplicateHorizonMs,
      maxEntries: config.duplicateMaxEntries,
    });
    this.rateLimiter = new ProducerRateLimiter(config.rateLimitSamplesPerSec);
    this.ring = new WindowRing(config.historyWindows);
    this.hub = createLiveHub('ws-memory', config, () => this.ring.range(config.liveSnapshotRange));
    let windows = 0;
    this.clock = new WindowClock({
      windowMs: config.windowMs,
      ring: this.ring,
      publish: (window) => {
        this.accounting.counters.windowsPublished += 1;
        this.hub.publish(window);
        // Idle producers' buckets are dropped once a minute's worth of windows has passed.
        if (++windows % 60 === 0) this.rateLimiter.sweep(Date.now());
      },
      context: () => ({
        rejected: this.accounting.takeWindowRejected(),
        viewers: this.hub.viewers,
        droppedFrames: this.hub.droppedFrames,
      }),
    });
  }

  start(): void {
    this.clock.start();
  }

  /**
   * Takes one validated batch at `now`: n > 0 when its n samples were folded into the open window
   * (an ack then means "in the aggregate"); -n when it repeats a known (producer, seq) (acknowledged
   * again, counted once); 0 when the producer is over its rate (`retryAfterMs` says when to resend).
   * Allocates nothing beyond what the duplicate index keeps.
   */
  ingest(batch: Batch, now: number): number {
    const accounting = this.accounting;
    const samples = batch.samples.length;
    accounting.seeProducer(batch.producer);
    if (this.duplicates.has(batch.producer, batch.seq, now)) {
      accounting.counters.duplicateBatches += 1;
      return -samples;
    }
    const retryAfterMs = this.rateLimiter.take(batch.producer, samples, now);
    if (retryAfterMs > 0) {
      accounting.reject('rate-limited');
      this.retryAfterMs = retryAfterMs;
      return 0;
    }
    // Fold first, then remember: a repeat is only recognised once its first copy is aggregated.
    this.clock.add(batch.samples, now);
    accounting.aggregated += samples;
    this.duplicates.add(batch.producer, batch.seq, now);
    accounting.counters.acceptedSamples += samples;
    return samples;
  }

  /** Counts a refused batch or connection (invalid, not JSON, bad token...). */
  refuse(reason: RefusalReason): void {
    this.accounting.reject(reason);
  }

  /** Publishes the open window now and stops the clock (shutdown: acked samples reach the dashboards). */
  stop(): Window | null {
    if (this.stopped) return null;
    this.stopped = true;
    const last = this.clock.flush();
    this.clock.stop();
    return last;
  }

  stats(): Stats {
    return this.accounting.stats();
  }

  readiness(): Readiness {
    if (this.stopped) return { status: 'not ready', reason: 'shutting down' };
    const overdue = Date.now() - this.clock.openUntil;
    if (overdue > this.windowMs * OVERDUE_WINDOWS) {
      return { status: 'not ready', reason: `window clock is ${overdue} ms overdue` };
    }
    return { status: 'ready' };
  }

  history(range: HistoryRange): Window[] {
    return this.ring.range(range);
  }

  counters(): SharedCounters {
    return this.accounting.counters;
  }

  /** Slices of the duplicate index dropped before the horizon because it was full (for /metrics). */
  get duplicateEarlyEvictions(): number {
    return this.duplicates.evictedEarly;
  }
}

// System 2's in-memory core: everything one process holds (counts, duplicate index, rate limiter,
// the open window and its clock, the history ring, the live hub), behind one call the ingest
// socket makes per batch: ingest(batch, now), or ingestEndToEnd(batch, now, claim) on a connection
// that opted into end-to-end acknowledgements. It implements the serving core's ServedSystem, so
// /stats, /readyz, /api/history, /metrics and /live serve it. It knows nothing of sockets.
import { WindowRing } from '@ingestlab/aggregation';
import type { LiveHub } from '@ingestlab/fanout';
import type { Batch, HistoryRange, Readiness, ReplayFrame, Stats, Window } from '@ingestlab/metric-schema';
import {
  createLiveHub,
  type RefusalReason,
  type ServedSystem,
  type SharedCounters,
} from '@ingestlab/serving';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { EndToEnd } from '../durable/end-to-end.js';
import { Accounting } from './accounting.js';
import { DuplicateIndex } from './duplicate-index.js';
import { ProducerRateLimiter } from './rate-limiter.js';
import { WindowClock } from './window-clock.js';

/** A window more than this many window lengths overdue means the clock (or the event loop) is stuck. */
const OVERDUE_WINDOWS = 5;
/** Closed windows waiting for their watermark write beyond this many: the disk is not keeping up. */
const UNWRITTEN_WINDOWS = 5;

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
  /** Set by the last ingestEndToEnd() that did not answer 0: the window end its ack names. */
  ackWindowEnd = 0;
  /** End-to-end mode (DATA_DIR set), after openEndToEnd(); null: classic only. */
  endToEnd: EndToEnd | null = null;

  constructor(readonly config: Config) {
    this.windowMs = config.windowMs;
    this.duplicates = new DuplicateIndex({
      horizonMs: config.duplicateHorizonMs,
      maxEntries: config.duplicateMaxEntries,
    });
    this.rateLimiter = new ProducerRateLimiter(config.rateLimitSamplesPerSec);
    this.ring = new WindowRing(config.historyWindows);
    this.hub = createLiveHub('ws-memory', config, () => this.ring.range(config.liveSnapshotRange));
    this.clock = new WindowClock({
      windowMs: config.windowMs,
      // Classic: published as it closes. End-to-end: once its end is durable (DurablePublisher).
      closed: (window) => {
        if (this.endToEnd) this.endToEnd.publisher.submit(window);
        else this.publish(window);
      },
      context: () => ({
        rejected: this.accounting.takeWindowRejected(),
        viewers: this.hub.viewers,
        droppedFrames: this.hub.droppedFrames,
      }),
    });
  }

  /**
   * Turns end-to-end mode on when DATA_DIR is set: reads the watermark back, records this life.
   * Before start(), before anything is acknowledged. Throws when DATA_DIR cannot be used.
   */
  async openEndToEnd(log: FastifyBaseLogger): Promise<void> {
    if (!this.config.dataDir || this.endToEnd) return;
    this.endToEnd = await EndToEnd.open({
      dataDir: this.config.dataDir,
      crashAt: this.config.crashAt,
      ring: this.ring,
      publish: (window) => this.publish(window),
      log,
    });
  }

  start(): void {
    this.clock.start();
  }

  private publishedWindows = 0;

  /** A closed window into the history and out to the viewers. */
  private publish(window: Window): void {
    this.ring.push(window);
    this.accounting.counters.windowsPublished += 1;
    this.hub.publish(window);
    // Idle producers' buckets are dropped once a minute's worth of windows has passed.
    if (++this.publishedWindows % 60 === 0) this.rateLimiter.sweep(Date.now());
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

  /**
   * ingest() for an end-to-end connection (DATA_DIR set). The answer is the same (n, -n or 0), and
   * `ackWindowEnd` says which window the ack names: the one the batch was folded into, or for a
   * repeat, the one its first copy is in (or the watermark, once that is published). `claim` is
   * the replay frame that came before the batch: the epoch and window its earlier ack named. At or
   * below that life's watermark it is published: a duplicate, not counted. Above it, in an earlier
   * life, it died unpublished: folded again (once; the duplicate index then knows it), past the
   * rate limiter, which let it in the first time.
   */
  ingestEndToEnd(batch: Batch, now: number, claim: ReplayFrame | null): number {
    const endToEnd = this.endToEnd!;
    const accounting = this.accounting;
    const samples = batch.samples.length;
    accounting.seeProducer(batch.producer);
    if (claim) {
      const judgement = endToEnd.book.judge(claim.epoch, claim.windowEnd);
      endToEnd.replays[judgement] += 1;
      if (judgement === 'published') {
        accounting.counters.duplicateBatches += 1;
        this.ackWindowEnd = claim.windowEnd;
        return -samples;
      }
    }
    if (this.duplicates.has(batch.producer, batch.seq, now)) {
      accounting.counters.duplicateBatches += 1;
      this.ackWindowEnd =
        endToEnd.folds.windowOf(batch.producer, batch.seq) ?? endToEnd.book.upTo ?? this.clock.openUntil;
      return -samples;
    }
    if (!claim) {
      const retryAfterMs = this.rateLimiter.take(batch.producer, samples, now);
      if (retryAfterMs > 0) {
        accounting.reject('rate-limited');
        this.retryAfterMs = retryAfterMs;
        return 0;
      }
    }
    this.clock.add(batch.samples, now);
    const windowEnd = this.clock.openUntil;
    accounting.aggregated += samples;
    this.duplicates.add(batch.producer, batch.seq, now);
    accounting.counters.acceptedSamples += samples;
    endToEnd.folds.add(windowEnd, batch.producer, batch.seq);
    this.ackWindowEnd = windowEnd;
    return samples;
  }

  /** Counts a refused batch or connection (invalid, not JSON, bad token...). */
  refuse(reason: RefusalReason): void {
    this.accounting.reject(reason);
  }

  /**
   * Publishes the open window now and stops the clock (shutdown: acked samples reach the dashboards).
   * In end-to-end mode it resolves once that window's end is durable and its commit has gone out.
   */
  async stop(): Promise<Window | null> {
    if (this.stopped) return null;
    this.stopped = true;
    const last = this.clock.flush();
    this.clock.stop();
    await this.endToEnd?.publisher.idle();
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
    const unwritten = this.endToEnd?.publisher.waiting ?? 0;
    if (unwritten > UNWRITTEN_WINDOWS) {
      return { status: 'not ready', reason: `${unwritten} closed windows wait for their watermark write` };
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

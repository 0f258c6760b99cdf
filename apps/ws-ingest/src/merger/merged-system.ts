// The merged System 2 as the serving core sees it (a ServedSystem): windows merged from every shard
// go to one history ring and one LiveHub; /stats sums the shards' counts and lists each shard.
import { windowStartFor, WindowRing } from '@ingestlab/aggregation';
import type { LiveHub } from '@ingestlab/fanout';
import type { HistoryRange, Readiness, Stats, Window } from '@ingestlab/metric-schema';
import { createLiveHub, type ServedSystem, type SharedCounters, sharedCounters } from '@ingestlab/serving';
import { PartialLog } from '../shard/partial-log.js';
import type { MergerConfig } from './config.js';
import { ShardFeed } from './shard-feed.js';
import { type MergedWindow, WindowMerger } from './window-merger.js';

/** Merged partial windows kept for a merger above this one (or a test) to poll. */
const PARTIALS_KEPT = 120;

export class MergedSystem implements ServedSystem {
  readonly name = 'ws-memory' as const;
  readonly windowMs: number;
  readonly ring: WindowRing;
  readonly hub: LiveHub;
  readonly feeds: ShardFeed[];
  /** The merged windows in partial form, served on /shard/partials like a shard's. */
  readonly partials = new PartialLog(PARTIALS_KEPT);
  private readonly merger: WindowMerger;
  private readonly counts = sharedCounters();
  private readonly startedAt = Date.now();
  /** Samples in the merged windows published: what the dashboards see. */
  private aggregated = 0;
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void>[] = [];

  constructor(readonly config: MergerConfig) {
    this.windowMs = config.windowMs;
    this.ring = new WindowRing(config.historyWindows);
    this.hub = createLiveHub('ws-memory', config, () => this.ring.range(config.liveSnapshotRange));
    this.merger = new WindowMerger({
      windowMs: config.windowMs,
      mergeWaitMs: config.mergeWaitMs,
      sources: () => this.feeds,
      publish: (window) => this.publish(window),
    });
    const firstAfter = windowStartFor(Date.now(), config.windowMs) - 2 * config.windowMs;
    this.feeds = config.shards.map(
      (address) =>
        new ShardFeed(address, {
          windowMs: config.windowMs,
          pollWaitMs: config.pollWaitMs,
          retryMs: config.retryMs,
          firstAfter,
          onWindow: (feed, closed) => this.merger.add(feed.name, closed.partial, closed.rejected),
          onChange: () => this.merger.tick(Date.now()),
        }),
    );
  }

  start(): void {
    this.running = this.feeds.map((feed) => feed.run(this.stop.signal));
    // Overdue windows are published on time even when no shard answers.
    this.timer = setInterval(
      () => this.merger.tick(Date.now()),
      Math.max(10, Math.floor(this.windowMs / 20)),
    );
    this.timer.unref();
  }

  /** Stops polling and publishes what is pending as it stands (shutdown). */
  async close(): Promise<void> {
    this.stop.abort();
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.running);
    this.merger.tick(Number.POSITIVE_INFINITY);
    this.partials.wakeAll();
  }

  private publish({ aggregate, reported, missing, rejected }: MergedWindow): void {
    const window: Window = aggregate.close({
      publishedAt: Date.now(),
      queueDepth: 0,
      rejected,
      viewers: this.hub.viewers,
      droppedFrames: this.hub.droppedFrames,
    });
    window.shards = { expected: this.feeds.length, reported: reported.length, missing };
    this.aggregated += window.samples;
    this.counts.acceptedSamples += window.samples;
    this.counts.windowsPublished += 1;
    this.ring.push(window);
    this.hub.publish(window);
    this.partials.push({ partial: aggregate.toPartial(), rejected, missing });
  }

  stats(): Stats {
    const sum = { accepted: 0, rejected: 0, duplicates: 0, producers: 0 };
    for (const feed of this.feeds) {
      const counts = feed.counts();
      sum.accepted += counts.accepted;
      sum.rejected += counts.rejected;
      sum.duplicates += counts.duplicates;
      sum.producers += counts.producers;
    }
    return {
      system: 'ws-memory',
      ...sum,
      aggregated: this.aggregated,
      queueDepth: 0,
      uptimeMs: Date.now() - this.startedAt,
      shards: this.feeds.map((feed) => feed.snapshot()),
    };
  }

  readiness(): Readiness {
    if (this.stop.signal.aborted) return { status: 'not ready', reason: 'shutting down' };
    if (this.feeds.some((feed) => feed.state === 'up')) return { status: 'ready' };
    return { status: 'not ready', reason: 'no shard answers its /shard/partials' };
  }

  history(range: HistoryRange): Window[] {
    return this.ring.range(range);
  }

  /** The merger's own counts: samples it published in merged windows, and those windows. */
  counters(): SharedCounters {
    return this.counts;
  }

  async drain(): Promise<void> {
    await this.close();
  }
}

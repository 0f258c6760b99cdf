// What the three listeners of one process share: the Redis connections, the queue and its group
// commit, backpressure, refusal counting, the window publisher, the live hub and the metrics. It is
// also the system the serving core serves (/stats, /readyz, /api/history, /metrics, /live).
import type { LiveHub } from '@ingestlab/fanout';
import {
  HISTORY_RANGES,
  type HistoryRange,
  type Readiness,
  type Stats,
  type Window,
} from '@ingestlab/metric-schema';
import {
  createLiveHub,
  type RefusalReason,
  type ServedSystem,
  type SharedCounters,
  ServingMetrics,
  sharedCounters,
} from '@ingestlab/serving';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { IngestMetrics } from './metrics.js';
import { DepthMonitor } from './queue/depth-monitor.js';
import { GroupCommitter } from './queue/group-commit.js';
import { IngestQueue, ORPHAN_AFTER_MS } from './queue/ingest-queue.js';
import { RejectionCounter } from './queue/rejection-counter.js';
import { createFailFastRedis, createPatientRedis } from './redis/connections.js';
import { type Keys, keysFor } from './redis/keys.js';
import { WindowPublisher } from './windows/publisher.js';
import { WindowMetrics } from './windows/window-metrics.js';
import { WindowStore } from './windows/window-store.js';
import { WindowSubscriber } from './windows/window-subscriber.js';

export interface Services extends ServedSystem {
  readonly name: 'http-redis';
  readonly config: Config;
  readonly logger: Logger;
  readonly keys: Keys;
  /** Fail-fast connection for the request path (queue, counters, history reads). */
  readonly redis: Redis;
  readonly queue: IngestQueue;
  readonly committer: GroupCommitter;
  readonly depth: DepthMonitor;
  readonly rejections: RejectionCounter;
  readonly store: WindowStore;
  readonly publisher: WindowPublisher;
  readonly hub: LiveHub;
  /** The process's registry with the shared families (for the serving core)... */
  readonly servingMetrics: ServingMetrics;
  /** ...and System 1's own. */
  readonly metrics: IngestMetrics;
  /** This process's counts for the shared families; the ingest route adds to them. */
  readonly counts: SharedCounters & { rejectedBatches: Record<RefusalReason, number> };
  readonly startedAt: number;
  stats(): Promise<Stats>;
  /** Writes the last group, stops publishing and closes connections. Call after the listeners closed (the http1 app closes the hub). */
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Run this replica's window publisher. Default true. */
  publish?: boolean;
  /** Node's default process metrics in /metrics. Default true. */
  defaultMetrics?: boolean;
}

export function createServices(config: Config, logger: Logger, options: ServicesOptions = {}): Services {
  const keys = keysFor(config.keyPrefix);
  const redis = createFailFastRedis(config.redisUrl, config.redisCommandTimeoutMs, 'ingestlab-ingest');
  redis.once('ready', () => void warnUnlessNoEviction(redis, logger));
  const queue = new IngestQueue({
    redis,
    keys,
    queueName: config.queueName,
    attempts: config.jobAttempts,
    windowMs: config.windowMs,
    duplicateHorizonMs: config.duplicateHorizonMs,
    jobSpanMs: config.jobSpanMs,
  });
  // Groups a dead replica admitted but never covered with a job get one here (any replica sweeps).
  const sweeper = setInterval(() => {
    queue.sweep().catch((error) => logger.debug({ err: error }, 'sweep for groups without a job'));
  }, ORPHAN_AFTER_MS / 2);
  sweeper.unref();
  const depth = new DepthMonitor({ redis, pendingKey: keys.pending, maxDepth: config.queueMaxDepth });
  const rejections = new RejectionCounter({ redis, keys, windowMs: config.windowMs });
  const store = new WindowStore(redis, keys, config.windowMs, config.historyWindows);
  const windowsIn = (range: HistoryRange) => Math.ceil(HISTORY_RANGES[range] / config.windowMs);
  const hub = createLiveHub(
    'http-redis',
    config,
    () => store.history(windowsIn(config.liveSnapshotRange)),
    (error, context) => logger.warn({ err: error, context }, 'live hub'),
  );
  const counts = sharedCounters();
  const servingMetrics = new ServingMetrics(
    { name: 'http-redis', hub, counters: () => counts },
    { defaultMetrics: options.defaultMetrics ?? true },
  );
  const metrics = new IngestMetrics(servingMetrics.registry, () => depth.depth);
  const committer = new GroupCommitter({
    commit: async (batches) => {
      const results = await queue.commit(batches);
      metrics.groupCommits.inc();
      metrics.groupedBatches.inc(batches.length);
      return results;
    },
    maxWaitMs: config.groupCommitMs,
    maxBatches: config.groupCommitMax,
  });
  const windowMetrics = new WindowMetrics(servingMetrics.registry);
  const publisher = new WindowPublisher({
    store,
    windowMs: config.windowMs,
    maxWaitMs: config.windowMaxWaitMs,
    context: () => ({ queueDepth: depth.depth, viewers: hub.viewers, droppedFrames: hub.droppedFrames }),
    onPublished: (_window, published) => {
      counts.windowsPublished += 1;
      windowMetrics.published(published);
    },
    onError: (error) => logger.warn({ err: error }, 'window publication failed; trying again shortly'),
  });
  const subscriberRedis = createPatientRedis(config.redisUrl, 'ingestlab-windows-sub');
  const subscriber = WindowSubscriber.start(subscriberRedis, {
    windows: keys.channel,
    onWindow: (window) => hub.publish(window),
    notices: keys.notices,
    onNotice: () => publisher.kick(),
    onError: (error) => logger.warn({ err: error }, 'window subscription'),
  });
  // Once Redis answers: the fail-fast connection refuses commands before that, and a publisher started
  // at once logs a warning per retry until it connects.
  let closing = false;
  if (options.publish ?? true) {
    if (redis.status === 'ready') publisher.start();
    else redis.once('ready', () => closing || publisher.start());
  }
  void depth.poll();
  const startedAt = Date.now();

  return {
    name: 'http-redis',
    windowMs: config.windowMs,
    config,
    logger,
    keys,
    redis,
    queue,
    committer,
    depth,
    rejections,
    store,
    publisher,
    hub,
    servingMetrics,
    metrics,
    counts,
    startedAt,
    counters: () => counts,
    readiness: (): Readiness => depth.readiness(),
    history(range: HistoryRange): Promise<Window[]> {
      return store.history(windowsIn(range));
    },
    async stats() {
      const [counts, producers] = await Promise.all([
        redis.mget(keys.accepted, keys.aggregated, keys.rejected, keys.duplicates, keys.pending),
        redis.scard(keys.producers),
      ]);
      const [accepted, aggregated, rejected, duplicates, pending] = counts.map((v) =>
        Number(v ?? 0),
      ) as number[];
      return {
        system: 'http-redis',
        accepted: accepted!,
        aggregated: aggregated!,
        rejected: rejected! + rejections.pending,
        duplicates: duplicates!,
        producers,
        queueDepth: Math.max(0, pending!),
        uptimeMs: Date.now() - startedAt,
      };
    },
    async close() {
      closing = true;
      clearInterval(sweeper);
      await committer.drain().catch((error) => logger.warn({ err: error }, 'last group commit failed'));
      await publisher.stop();
      await subscriber.close();
      depth.close();
      await rejections.close();
      await queue.close().catch(() => {});
      redis.disconnect();
    },
  };
}

/** BullMQ loses jobs if Redis evicts keys: say so loudly at start (not fatal: a dev Redis may differ). */
async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: queued batches could be evicted and lost',
      );
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not read Redis maxmemory-policy');
  }
}

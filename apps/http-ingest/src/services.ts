// What the three listeners of one process share: the Redis connections, the queue and its group
// commit, backpressure, refusal counting, the window publisher, the live hub and the metrics. It is
// also the system the serving core serves (/stats, /readyz, /api/history, /metrics, /live).
// Sharded (REDIS_SHARDS > 1, e.g. on a Redis Cluster), each shard has its own queue and group commit,
// a batch goes to its producer's shard, and the publisher merges the shards' windows.
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
import { createFailFastRedis, createPatientRedis, redisTarget } from './redis/connections.js';
import { type Keys, keysFor } from './redis/keys.js';
import { shardKeys, shardOf } from './redis/shards.js';
import { type ClosingStore, WindowPublisher } from './windows/publisher.js';
import { ShardedWindows } from './windows/sharded-windows.js';
import { WindowMetrics } from './windows/window-metrics.js';
import { WindowStore } from './windows/window-store.js';
import { WindowSubscriber } from './windows/window-subscriber.js';

export interface Services extends ServedSystem {
  readonly name: 'http-redis';
  readonly config: Config;
  readonly logger: Logger;
  /** The unsharded keys: history, channels, the publication fence (and, unsharded, everything). */
  readonly keys: Keys;
  /** Each shard's keys (one entry, equal to `keys`, when unsharded). */
  readonly shards: readonly Keys[];
  /** Fail-fast connection for the request path (queue, counters, history reads). */
  readonly redis: Redis;
  /** The first shard's queue (the only one when unsharded). */
  readonly queue: IngestQueue;
  /** One queue per shard. */
  readonly queues: readonly IngestQueue[];
  /** Takes a batch to its producer's shard's group commit. */
  readonly committer: Pick<GroupCommitter, 'add' | 'drain'>;
  readonly depth: DepthMonitor;
  readonly rejections: RejectionCounter;
  /** The unsharded keys' windows: history (and, unsharded, closing). */
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

/**
 * The services of one ingest process. In cluster mode `config.redisShards` must be settled first
 * (resolveShardCount), so every process agrees on the shards.
 */
export function createServices(config: Config, logger: Logger, options: ServicesOptions = {}): Services {
  if (config.redisShards < 1)
    throw new Error('createServices: settle REDIS_SHARDS first (resolveShardCount)');
  const keys = keysFor(config.keyPrefix);
  const sharded = config.redisClusterNodes !== null || config.redisShards > 1;
  const shards = shardKeys(config.keyPrefix, config.redisShards, sharded);
  const redis = createFailFastRedis(redisTarget(config), config.redisCommandTimeoutMs, 'ingestlab-ingest');
  redis.once('ready', () => void warnUnlessNoEviction(redis, logger));
  const queues = shards.map(
    (shardKeys) =>
      new IngestQueue({
        redis,
        keys: shardKeys,
        queueName: config.queueName,
        attempts: config.jobAttempts,
        windowMs: config.windowMs,
        duplicateHorizonMs: config.duplicateHorizonMs,
        jobSpanMs: config.jobSpanMs,
      }),
  );
  const queue = queues[0]!;
  // Groups a dead replica admitted but never covered with a job get one here (any replica sweeps).
  const sweeper = setInterval(() => {
    for (const q of queues) {
      q.sweep().catch((error) => logger.debug({ err: error }, 'sweep for groups without a job'));
    }
  }, ORPHAN_AFTER_MS / 2);
  sweeper.unref();
  const depth = new DepthMonitor({
    redis,
    pendingKeys: shards.map((k) => k.pending),
    maxDepth: config.queueMaxDepth,
  });
  // Refusals are counted in the first shard; the merge sums every shard's anyway.
  const rejections = new RejectionCounter({ redis, keys: shards[0]!, windowMs: config.windowMs });
  const store = new WindowStore(redis, keys, config.windowMs, config.historyWindows);
  const closing: ClosingStore = sharded
    ? new ShardedWindows(
        store,
        shards.map((k) => new WindowStore(redis, k, config.windowMs, config.historyWindows)),
        config.windowMaxWaitMs,
      )
    : store;
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
  const committers = queues.map(
    (q) =>
      new GroupCommitter({
        commit: async (batches) => {
          const results = await q.commit(batches);
          metrics.groupCommits.inc();
          metrics.groupedBatches.inc(batches.length);
          return results;
        },
        maxWaitMs: config.groupCommitMs,
        maxBatches: config.groupCommitMax,
      }),
  );
  const committer: Services['committer'] = {
    add: (batch) => committers[shardOf(batch.producer, committers.length)]!.add(batch),
    drain: async () => {
      await Promise.all(committers.map((c) => c.drain()));
    },
  };
  const windowMetrics = new WindowMetrics(servingMetrics.registry);
  const publisher = new WindowPublisher({
    store: closing,
    windowMs: config.windowMs,
    maxWaitMs: config.windowMaxWaitMs,
    context: () => ({ queueDepth: depth.depth, viewers: hub.viewers, droppedFrames: hub.droppedFrames }),
    onPublished: (_window, published) => {
      counts.windowsPublished += 1;
      windowMetrics.published(published);
    },
    onError: (error) => logger.warn({ err: error }, 'window publication failed; trying again shortly'),
  });
  const subscriberRedis = createPatientRedis(redisTarget(config), 'ingestlab-windows-sub');
  const subscriber = WindowSubscriber.start(subscriberRedis, {
    windows: keys.channel,
    onWindow: (window) => hub.publish(window),
    notices: keys.notices,
    onNotice: () => publisher.kick(),
    onError: (error) => logger.warn({ err: error }, 'window subscription'),
  });
  // Once Redis answers: the fail-fast connection refuses commands before that, and a publisher started
  // at once logs a warning per retry until it connects.
  let shuttingDown = false;
  if (options.publish ?? true) {
    if (redis.status === 'ready') publisher.start();
    else redis.once('ready', () => shuttingDown || publisher.start());
  }
  void depth.poll();
  const startedAt = Date.now();

  return {
    name: 'http-redis',
    windowMs: config.windowMs,
    config,
    logger,
    keys,
    shards,
    redis,
    queue,
    queues,
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
      // Per shard (one slot each), summed: a producer lives in one shard, so its count is exact too.
      const perShard = await Promise.all(
        shards.map(async (k) => {
          const [counts, producers] = await Promise.all([
            redis.mget(k.accepted, k.aggregated, k.rejected, k.duplicates, k.pending),
            redis.scard(k.producers),
          ]);
          return [...counts.map((v) => Number(v ?? 0)), producers];
        }),
      );
      const sum = (i: number) => perShard.reduce((total, figures) => total + figures[i]!, 0);
      return {
        system: 'http-redis',
        accepted: sum(0),
        aggregated: sum(1),
        rejected: sum(2) + rejections.pending,
        duplicates: sum(3),
        producers: sum(5),
        queueDepth: perShard.reduce((total, figures) => total + Math.max(0, figures[4]!), 0),
        uptimeMs: Date.now() - startedAt,
      };
    },
    async close() {
      shuttingDown = true;
      clearInterval(sweeper);
      await committer.drain().catch((error) => logger.warn({ err: error }, 'last group commit failed'));
      await publisher.stop();
      await subscriber.close();
      depth.close();
      await rejections.close();
      await Promise.all(queues.map((q) => q.close().catch(() => {})));
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

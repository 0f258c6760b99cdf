// What the three listeners of one process share: the Redis connections, the queue and its group
// commit, backpressure, refusal counting, the window publisher, the live hub and the metrics.
import { LiveHub } from '@ingestlab/fanout';
import type { Stats } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { IngestMetrics } from './metrics.js';
import { DepthMonitor } from './queue/depth-monitor.js';
import { GroupCommitter } from './queue/group-commit.js';
import { IngestQueue } from './queue/ingest-queue.js';
import { RejectionCounter } from './queue/rejection-counter.js';
import { createFailFastRedis, createPatientRedis } from './redis/connections.js';
import { type Keys, keysFor } from './redis/keys.js';
import { WindowPublisher } from './windows/publisher.js';
import { WindowStore } from './windows/window-store.js';
import { WindowSubscriber } from './windows/window-subscriber.js';

export interface Services {
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
  readonly metrics: IngestMetrics;
  readonly startedAt: number;
  stats(): Promise<Stats>;
  /** Writes the last group, stops publishing, closes viewers and connections. Call after the listeners closed. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Run this replica's window publisher. Default true. */
  publish?: boolean;
  /** Node's default process metrics in /metrics. Default true. */
  defaultMetrics?: boolean;
  /** LiveHub heartbeat, for tests. Default 5000 ms. */
  heartbeatMs?: number;
  /** LiveHub per-viewer backlog cap. Default 256 KiB. */
  maxBacklogBytes?: number;
}

export function createServices(config: Config, logger: Logger, options: ServicesOptions = {}): Services {
  const keys = keysFor(config.keyPrefix);
  const redis = createFailFastRedis(config.redisUrl, config.redisCommandTimeoutMs, 'ingestlab-ingest');
  redis.once('ready', () => void warnUnlessNoEviction(redis, logger));
  const queue = new IngestQueue({
    redis,
    keys,
    queueName: config.queueName,
    prefix: config.keyPrefix,
    attempts: config.jobAttempts,
  });
  const depth = new DepthMonitor({ redis, pendingKey: keys.pending, maxDepth: config.queueMaxDepth });
  const rejections = new RejectionCounter({ redis, keys, windowMs: config.windowMs });
  const store = new WindowStore(redis, keys, config.windowMs, config.historySize);
  const hub = new LiveHub({
    system: 'http-redis',
    windowMs: config.windowMs,
    snapshot: () => store.history(config.snapshotWindows),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.maxBacklogBytes ? { maxBacklogBytes: options.maxBacklogBytes } : {}),
    onError: (error, context) => logger.warn({ err: error, context }, 'live hub'),
  });
  const metrics = new IngestMetrics(
    {
      queueDepth: () => depth.depth,
      viewers: () => hub.viewers,
      droppedFrames: () => hub.droppedFrames,
      jobsFolded: async () => Number((await redis.get(keys.jobsFolded)) ?? 0),
    },
    { defaultMetrics: options.defaultMetrics ?? true },
  );
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
  const publisher = new WindowPublisher({
    store,
    windowMs: config.windowMs,
    graceMs: config.publishGraceMs,
    context: () => ({ queueDepth: depth.depth, viewers: hub.viewers, droppedFrames: hub.droppedFrames }),
    onPublished: () => metrics.windowsPublished.inc(),
    onError: (error) => logger.warn({ err: error }, 'window publication failed; retrying at the next tick'),
  });
  const subscriberRedis = createPatientRedis(config.redisUrl, 'ingestlab-windows-sub');
  const subscriber = WindowSubscriber.start(
    subscriberRedis,
    keys.channel,
    (window) => hub.publish(window),
    (error) => logger.warn({ err: error }, 'window subscription'),
  );
  if (options.publish ?? true) publisher.start();
  void depth.poll();
  const startedAt = Date.now();

  return {
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
    metrics,
    startedAt,
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
      await committer.drain().catch((error) => logger.warn({ err: error }, 'last group commit failed'));
      await publisher.stop();
      await hub.close();
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

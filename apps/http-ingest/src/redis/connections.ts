// The two kinds of Redis connection System 1 opens, to one Redis (REDIS_URL) or to a Redis Cluster
// (REDIS_CLUSTER_NODES). The ingest side fails fast (no offline queue, a command timeout) so a
// request never waits on a dead Redis; workers and subscribers wait forever and reconnect, as BullMQ
// requires of blocking connections.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { ClusterNodeAddress } from '../config.js';

/** Where Redis is: a URL, or some nodes of a cluster (the rest are discovered). */
export type RedisTarget = string | readonly ClusterNodeAddress[];

/** The target a configuration names. */
export function redisTarget(config: {
  redisUrl: string;
  redisClusterNodes: ClusterNodeAddress[] | null;
}): RedisTarget {
  return config.redisClusterNodes ?? config.redisUrl;
}

/**
 * A client for `target`. A cluster client is typed as a Redis: it answers the same commands (routed
 * by key slot; every transaction and script of ours stays within one slot), and BullMQ, ioredis's
 * scripts and @fastify/rate-limit take either.
 */
function connect(target: RedisTarget, options: RedisOptions, cluster: Partial<ClusterOptions>): Redis {
  if (typeof target === 'string') return new Redis(target, options);
  const { enableOfflineQueue, enableAutoPipelining, retryStrategy, ...perNode } = options;
  const client = new Cluster(
    target.map((node) => ({ ...node })),
    {
      redisOptions: perNode,
      enableOfflineQueue: enableOfflineQueue ?? true,
      enableAutoPipelining: enableAutoPipelining ?? false,
      // Reads and writes both go to masters: the queue and the windows must never read a lagging replica.
      scaleReads: 'master',
      clusterRetryStrategy: (times) => (retryStrategy ? (retryStrategy(times) ?? null) : null),
      // While a master fails over its slots answer CLUSTERDOWN or nothing for a few seconds: retry then.
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      ...cluster,
    },
  );
  return client as unknown as Redis;
}

/** For the request path: commands fail at once while disconnected and time out after `commandTimeoutMs`. */
export function createFailFastRedis(target: RedisTarget, commandTimeoutMs: number, name: string): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    // Keep trying to come back, at most every 500 ms, so readiness returns soon after Redis does.
    retryStrategy: (times) => Math.min(50 * times, 500),
    lazyConnect: false,
  };
  const redis = connect(target, options, {});
  // Connection errors surface as failed commands (503s) and in /readyz; an unhandled 'error' would crash.
  redis.on('error', () => {});
  return redis;
}

/**
 * For BullMQ workers and pub/sub subscribers: retries forever, as blocking commands need. With
 * `autoPipelining`, commands issued in one tick go out in one write.
 */
export function createPatientRedis(
  target: RedisTarget,
  name: string,
  options: { autoPipelining?: boolean } = {},
): Redis {
  const redis = connect(
    target,
    {
      connectionName: name,
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      enableAutoPipelining: options.autoPipelining ?? false,
      retryStrategy: (times) => Math.min(50 * times, 1000),
    },
    {},
  );
  redis.on('error', () => {});
  return redis;
}

/** True for a cluster client (typed as a Redis by this module). */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

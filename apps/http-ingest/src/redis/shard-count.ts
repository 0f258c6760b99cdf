// Settles how many shards System 1 runs (REDIS_SHARDS) before anything starts: every ingest replica
// and worker must agree, or a producer's batches would land in two shards and its repeat memory would
// split. The first process records the count in Redis; later ones take it, or refuse a different one.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createPatientRedis, redisTarget } from './connections.js';
import { keysFor } from './keys.js';

/** The key holding the agreed shard count, under the unsharded tag. */
export function shardCountKey(prefix: string): string {
  return `${keysFor(prefix).tag}:shards`;
}

/** The configuration with `redisShards` settled (>= 1). Waits for Redis; throws on a disagreement. */
export async function resolveShardCount(config: Config, logger: Logger): Promise<Config> {
  // A plain Redis, unsharded: exactly as before, nothing recorded.
  if (config.redisClusterNodes === null && config.redisShards === 1) return config;
  const redis = createPatientRedis(redisTarget(config), 'ingestlab-shard-count');
  try {
    if (redis.status !== 'ready') {
      logger.info('waiting for Redis to settle the shard count');
      await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    }
    let wanted = config.redisShards;
    if (wanted === 0) {
      const cluster = redis as unknown as { nodes(role: 'master'): unknown[] };
      wanted = cluster.nodes('master').length;
    }
    const key = shardCountKey(config.keyPrefix);
    await redis.set(key, String(wanted), 'NX');
    const recorded = Number(await redis.get(key));
    if (recorded !== wanted && config.redisShards !== 0) {
      throw new Error(
        `REDIS_SHARDS=${config.redisShards} but this Redis already runs System 1 with ${recorded} shards ` +
          `(${key}); producers would be routed differently. Use ${recorded}, or a new KEY_PREFIX.`,
      );
    }
    logger.info({ shards: recorded, cluster: config.redisClusterNodes !== null }, 'shards');
    return { ...config, redisShards: recorded };
  } finally {
    redis.disconnect();
  }
}

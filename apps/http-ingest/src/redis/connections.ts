// The two kinds of Redis connection System 1 opens. The ingest side fails fast (no offline queue,
// a command timeout) so a request never waits on a dead Redis; workers and subscribers wait forever
// and reconnect, as BullMQ requires of blocking connections.
import { Redis, type RedisOptions } from 'ioredis';

/** For the request path: commands fail at once while disconnected and time out after `commandTimeoutMs`. */
export function createFailFastRedis(url: string, commandTimeoutMs: number, name: string): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    // Keep trying to come back, at most every 500 ms, so readiness returns soon after Redis does.
    retryStrategy: (times) => Math.min(50 * times, 500),
    lazyConnect: false,
  };
  const redis = new Redis(url, options);
  // Connection errors surface as failed commands (503s) and in /readyz; an unhandled 'error' would crash.
  redis.on('error', () => {});
  return redis;
}

/**
 * For BullMQ workers and pub/sub subscribers: retries forever, as blocking commands need. With
 * `autoPipelining`, commands issued in one tick go out in one write.
 */
export function createPatientRedis(
  url: string,
  name: string,
  options: { autoPipelining?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  redis.on('error', () => {});
  return redis;
}

// For dev runs and the demo: the Redis already answering at a URL (a developer's redis-server, a
// container) when there is one; only when none answers, a private one started on that URL's port.
import { portIsFree } from './ports.js';
import {
  findRedisServer,
  type PrivateRedis,
  REDIS_INSTALL_HINT,
  type RedisOptions,
  redisAnswers,
  startRedis,
} from './redis.js';

export interface ReusedRedis {
  /** Where the Redis answers: the given URL, or the private server's (same port, on 127.0.0.1). */
  readonly url: string;
  /** The private server this call started (stop it when done), or null when one already answered. */
  readonly started: PrivateRedis | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Uses the Redis answering PING at `url`; else starts a private redis-server on url's port (6379 when
 * the URL names none). Fails with what to do when the URL is not on this machine, the port is taken
 * by something that is not a Redis, or redis-server is not installed.
 * @param options passed to startRedis (appendOnly, dir, maxMemory, echo); the port comes from `url`.
 */
export async function reuseOrStartRedis(
  url: string,
  options: Omit<RedisOptions, 'port' | 'preferredPort'> = {},
): Promise<ReusedRedis> {
  if (await redisAnswers(url)) return { url, started: null };
  const { hostname, port: portText } = new URL(url);
  if (!LOOPBACK.has(hostname)) {
    throw new Error(`no Redis answers at ${url}; start it there, or point REDIS_URL at this machine`);
  }
  if (!findRedisServer()) throw new Error(`no Redis answers at ${url} and ${REDIS_INSTALL_HINT}`);
  const port = Number(portText || 6379);
  if (!(await portIsFree(port))) {
    throw new Error(
      `port ${port} is taken by something that is not a Redis answering PING; set REDIS_URL to a Redis`,
    );
  }
  const started = await startRedis({ ...options, port });
  return { url: started.url, started };
}

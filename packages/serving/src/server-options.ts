// Fastify server options both systems start from, so their HTTP edges behave alike.
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import { LogController } from 'fastify';

/**
 * A client that dribbles its request (or upgrade) headers is cut after 10 s (Node's default is 60 s,
 * checked every 30 s), so slow-loris connections cannot pile up. Upgraded sockets are not affected.
 */
export const SLOW_HEADER_LIMITS = { headersTimeout: 10_000, connectionsCheckingInterval: 1000 };

export const SERVER_OPTIONS = {
  bodyLimit: MAX_PAYLOAD_BYTES,
  // A `__proto__` key is refused by the batch schema anyway (no extra keys); refuse loudly regardless.
  onProtoPoisoning: 'error',
  onConstructorPoisoning: 'error',
  // New requests on kept-alive connections get 503 while the app closes.
  return503OnClosing: true,
  keepAliveTimeout: 65_000,
  // No access log line per request: at 10k requests/s it would cost more than the request, and the
  // health checks of compose and nginx would fill the log. /metrics counts requests instead.
  logController: new LogController({ disableRequestLogging: true }),
} as const;

// System 2's configuration: read from the environment once at boot, validated, into one typed
// object. A bad value stops the boot with a message naming the variable and what it accepts.
import { DUPLICATE_HORIZON_MS, HISTORY_RANGES, type HistoryRange } from '@ingestlab/metric-schema';

export interface Config {
  /** WS_PORT (default 3003): ingest socket, live, stats and metrics. 0 picks a free port (tests). */
  port: number;
  /** HOST (default 127.0.0.1): bind address; 0.0.0.0 inside containers. */
  host: string;
  /** INGEST_TOKEN (default unset = open): producers present it as `authorization: Bearer` or `?token=`. */
  ingestToken: string | undefined;
  /** WINDOW_MS (default 1000): window length, epoch-aligned. */
  windowMs: number;
  /** HISTORY_WINDOWS (default 3600): closed windows kept for /api/history (1 h at 1 s). */
  historyWindows: number;
  /** LIVE_SNAPSHOT_RANGE (default 5m): history a new dashboard viewer receives in its snapshot. */
  liveSnapshotRange: HistoryRange;
  /** MAX_INFLIGHT_BATCHES (default 256): batches per connection whose ack is not yet flushed before its read side pauses. */
  maxInFlightBatches: number;
  /** PING_INTERVAL_MS (default 30000): ingest and live sockets are pinged this often; silent ones are terminated. */
  pingIntervalMs: number;
  /** DUPLICATE_HORIZON_MS (default 600000, at least that): how long a (producer, seq) pair is remembered. */
  duplicateHorizonMs: number;
  /** DUPLICATE_MAX_ENTRIES (default 5000000): memory bound of the duplicate index; past it the oldest slice is dropped early (counted). */
  duplicateMaxEntries: number;
  /** RATE_LIMIT_SAMPLES_PER_SEC (default 200000, 0 = off): per-producer token bucket; over it a batch is nacked with retryAfterMs. */
  rateLimitSamplesPerSec: number;
  /** HTTP_RATE_LIMIT_PER_MIN (default 1200, 0 = off): requests per minute per client IP on /api/history and /stats. */
  httpRateLimitPerMin: number;
  /** LIVE_MAX_BACKLOG_BYTES (default 262144): per-viewer backlog cap before frames are skipped. */
  liveMaxBacklogBytes: number;
  /** LIVE_HEARTBEAT_MS (default 5000): heartbeat to a viewer sent nothing for this long. */
  liveHeartbeatMs: number;
  /** CORS_ORIGINS (default the dashboard dev origins): comma-separated allowed origins. */
  corsOrigins: string[];
  /** SHUTDOWN_GRACE_MS (default 5000): how long shutdown waits for acks to flush and sockets to close. */
  shutdownGraceMs: number;
  /** LOG_LEVEL (default info): pino level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DEFAULT_CORS = ['http://127.0.0.1:5173', 'http://localhost:5173'];

type Env = Record<string, string | undefined>;

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

function origins(env: Env): string[] {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_CORS;
  const list = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of list) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(
        `CORS_ORIGINS must be comma-separated origins like http://localhost:5173, got ${JSON.stringify(origin)}`,
      );
    }
    if (url.origin !== origin)
      throw new ConfigError(
        `CORS_ORIGINS entries must be bare origins (scheme://host[:port]), got ${JSON.stringify(origin)}`,
      );
  }
  return list;
}

export function loadConfig(env: Env = process.env): Config {
  const token = env.INGEST_TOKEN;
  if (token !== undefined && token !== '' && !/^[\x21-\x7e]{8,256}$/.test(token)) {
    throw new ConfigError('INGEST_TOKEN must be 8–256 printable ASCII characters without spaces');
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  return {
    port: integer(env, 'WS_PORT', 3003, 0, 65535),
    host,
    ingestToken: token === '' ? undefined : token,
    windowMs: integer(env, 'WINDOW_MS', 1000, 100, 3_600_000),
    historyWindows: integer(env, 'HISTORY_WINDOWS', 3600, 1, 1_000_000),
    liveSnapshotRange: oneOf(env, 'LIVE_SNAPSHOT_RANGE', '5m', Object.keys(HISTORY_RANGES) as HistoryRange[]),
    maxInFlightBatches: integer(env, 'MAX_INFLIGHT_BATCHES', 256, 1, 1_000_000),
    pingIntervalMs: integer(env, 'PING_INTERVAL_MS', 30_000, 100, 3_600_000),
    duplicateHorizonMs: integer(
      env,
      'DUPLICATE_HORIZON_MS',
      DUPLICATE_HORIZON_MS,
      DUPLICATE_HORIZON_MS,
      86_400_000,
    ),
    duplicateMaxEntries: integer(env, 'DUPLICATE_MAX_ENTRIES', 5_000_000, 1000, 1_000_000_000),
    rateLimitSamplesPerSec: integer(env, 'RATE_LIMIT_SAMPLES_PER_SEC', 200_000, 0),
    httpRateLimitPerMin: integer(env, 'HTTP_RATE_LIMIT_PER_MIN', 1200, 0),
    liveMaxBacklogBytes: integer(env, 'LIVE_MAX_BACKLOG_BYTES', 256 * 1024, 1024),
    liveHeartbeatMs: integer(env, 'LIVE_HEARTBEAT_MS', 5000, 10),
    corsOrigins: origins(env),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 5000, 0, 600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
  };
}

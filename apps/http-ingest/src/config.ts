// System 1's settings, read from the environment once at boot into one typed object. A bad value
// stops the boot with a message naming the variable, what it got and what it accepts.

export interface Config {
  /** REDIS_URL: the Redis that holds the queue, windows and counters. Default redis://127.0.0.1:6379. */
  redisUrl: string;
  /** HOST: bind address of all three listeners. Default 127.0.0.1 (0.0.0.0 inside containers). */
  host: string;
  /** HTTP_PORT: HTTP/1.1 listener (ingest, live, stats, metrics, history). Default 3001. */
  httpPort: number;
  /** H2C_PORT: cleartext HTTP/2 with prior knowledge. Default 3002. */
  h2cPort: number;
  /** HTTPS_PORT: TLS with ALPN h2 and http/1.1. Default 3443. */
  httpsPort: number;
  /** INGEST_TOKEN: when set, POST /ingest needs `authorization: Bearer <token>`. Default unset (open). */
  ingestToken: string | null;
  /** TLS_CERT / TLS_KEY: PEM files for the TLS listener; both or neither. Default: a self-signed dev cert in CERT_DIR. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** CERT_DIR: where the self-signed development certificate is cached. Default ./.certs (gitignored). */
  certDir: string;
  /** QUEUE_NAME: BullMQ queue name. Default `batches`. */
  queueName: string;
  /** KEY_PREFIX: prefix of every Redis key (BullMQ's and ours), so several systems can share a Redis. Default `ingestlab`. */
  keyPrefix: string;
  /** QUEUE_MAX_DEPTH: batches admitted but not yet aggregated above which /ingest sheds with 429. Default 200000. */
  queueMaxDepth: number;
  /** GROUP_COMMIT_MS: how long concurrent batches are collected into one Redis transaction; 0 = one per request. Default 2. */
  groupCommitMs: number;
  /** GROUP_COMMIT_MAX: most batches in one group commit. Default 256. */
  groupCommitMax: number;
  /** WINDOW_MS: window length. Default 1000. */
  windowMs: number;
  /** PUBLISH_GRACE_MS: how long after a window ends the publisher waits for in-flight folds. Default 250. */
  publishGraceMs: number;
  /** HISTORY_SIZE: closed windows kept in Redis (LTRIM). Default 3600 (one hour at 1 s). */
  historySize: number;
  /** SNAPSHOT_WINDOWS: windows in the `snapshot` frame a new viewer receives. Default 300. */
  snapshotWindows: number;
  /** REDIS_COMMAND_TIMEOUT_MS: ingest-side Redis commands fail after this, so no request waits forever. Default 2000. */
  redisCommandTimeoutMs: number;
  /** RETRY_AFTER_S: `retry-after` seconds on 429/503. Default 1. */
  retryAfterS: number;
  /** CORS_ORIGINS: comma-separated allowed origins, or `*`. Default `*` (read-only data, classroom use). */
  corsOrigins: string[] | '*';
  /** RATE_LIMIT_MAX: requests per producer (x-producer header, else client address) per RATE_LIMIT_WINDOW_MS, counted in Redis; 0 = off. Default 5000 (generous: one producer sending 5000 batches/s). */
  rateLimitMax: number;
  /** RATE_LIMIT_WINDOW_MS: rate-limit window. Default 1000. */
  rateLimitWindowMs: number;
  /** WORKER_CONCURRENCY: jobs (groups of batches) a worker folds at once. Default 16. */
  workerConcurrency: number;
  /** JOB_ATTEMPTS: tries per job before it stays in the failed set. Default 8 (exponential backoff from 200 ms). */
  jobAttempts: number;
  /** SHUTDOWN_TIMEOUT_MS: longest a graceful shutdown waits before exiting anyway. Default 10000. */
  shutdownTimeoutMs: number;
  /** LOG_LEVEL: pino level. Default info. */
  logLevel: string;
}

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function text(env: Env, key: string, fallback: string, pattern?: RegExp): string {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) {
    throw new ConfigError(`${key} must match ${pattern}, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function redisUrl(env: Env): string {
  const raw = text(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must be a URL like redis://127.0.0.1:6379, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function origins(env: Env): string[] | '*' {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return '*';
  const list = raw.split(',').map((s) => s.trim());
  for (const origin of list) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `CORS_ORIGINS must be * or comma-separated origins like http://localhost:5173, got ${JSON.stringify(origin)}`,
      );
    }
  }
  return list;
}

/** Reads and validates the whole configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const tlsCert = env.TLS_CERT || null;
  const tlsKey = env.TLS_KEY || null;
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError(
      'TLS_CERT and TLS_KEY must be given together (or neither, for a self-signed dev certificate)',
    );
  }
  const token = env.INGEST_TOKEN;
  if (token !== undefined && token !== '' && !/^[\x21-\x7e]{1,256}$/.test(token)) {
    throw new ConfigError('INGEST_TOKEN must be 1-256 visible ASCII characters');
  }
  const logLevel = text(env, 'LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const config: Config = {
    redisUrl: redisUrl(env),
    host: text(env, 'HOST', '127.0.0.1', /^[A-Za-z0-9.:-]+$/),
    httpPort: integer(env, 'HTTP_PORT', 3001, 0, 65535),
    h2cPort: integer(env, 'H2C_PORT', 3002, 0, 65535),
    httpsPort: integer(env, 'HTTPS_PORT', 3443, 0, 65535),
    ingestToken: token ? token : null,
    tlsCert,
    tlsKey,
    certDir: text(env, 'CERT_DIR', '.certs'),
    queueName: text(env, 'QUEUE_NAME', 'batches', NAME),
    keyPrefix: text(env, 'KEY_PREFIX', 'ingestlab', NAME),
    queueMaxDepth: integer(env, 'QUEUE_MAX_DEPTH', 200_000, 1, 100_000_000),
    groupCommitMs: integer(env, 'GROUP_COMMIT_MS', 2, 0, 1000),
    groupCommitMax: integer(env, 'GROUP_COMMIT_MAX', 256, 1, 4096),
    windowMs: integer(env, 'WINDOW_MS', 1000, 100, 60_000),
    publishGraceMs: integer(env, 'PUBLISH_GRACE_MS', 250, 0, 60_000),
    historySize: integer(env, 'HISTORY_SIZE', 3600, 1, 100_000),
    snapshotWindows: integer(env, 'SNAPSHOT_WINDOWS', 300, 0, 100_000),
    redisCommandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 50, 60_000),
    retryAfterS: integer(env, 'RETRY_AFTER_S', 1, 1, 3600),
    corsOrigins: origins(env),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 5000, 0, 100_000_000),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 1000, 100, 3_600_000),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 16, 1, 1000),
    jobAttempts: integer(env, 'JOB_ATTEMPTS', 8, 1, 100),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    logLevel,
  };
  const ports = [config.httpPort, config.h2cPort, config.httpsPort].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length) {
    throw new ConfigError(
      `HTTP_PORT, H2C_PORT and HTTPS_PORT must differ, got ${config.httpPort}, ${config.h2cPort}, ${config.httpsPort}`,
    );
  }
  return config;
}

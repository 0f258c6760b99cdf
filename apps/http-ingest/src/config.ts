// System 1's settings: the shared ones (@ingestlab/serving: HOST, INGEST_TOKEN, WINDOW_MS,
// HISTORY_WINDOWS, LIVE_*, PING_INTERVAL_MS, HTTP_RATE_LIMIT_PER_MIN, CORS_ORIGINS,
// SHUTDOWN_TIMEOUT_MS, LOG_LEVEL) and its own below, read from the environment once at boot. The
// server and the worker read the same settings.
import { DUPLICATE_HORIZON_MS } from '@ingestlab/metric-schema';
import { ConfigError, type Env, loadConfigWith, type SharedConfig } from '@ingestlab/serving';
import { Type } from '@sinclair/typebox';

const PORT = { minimum: 0, maximum: 65535 };
const NAME = { pattern: '^[A-Za-z0-9._-]{1,64}$', description: '1 to 64 characters of A-Z a-z 0-9 . _ -' };

const SettingsSchema = {
  /** REDIS_URL: the Redis that holds the queue, windows and counters. Default redis://127.0.0.1:6379. */
  REDIS_URL: Type.String({
    default: 'redis://127.0.0.1:6379',
    pattern: '^rediss?://[^\\s]+$',
    description: 'a URL like redis://127.0.0.1:6379 (redis:// or rediss://)',
  }),
  /**
   * REDIS_CLUSTER_NODES: a Redis Cluster instead of REDIS_URL: some of its nodes as comma-separated
   * host:port (any reachable one is enough; the rest are discovered). Default unset: the one Redis at
   * REDIS_URL.
   */
  REDIS_CLUSTER_NODES: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9.\\[\\]:-]+:[0-9]{1,5}(,[A-Za-z0-9.\\[\\]:-]+:[0-9]{1,5})*$',
      description: 'comma-separated host:port, like 10.0.0.1:7000,10.0.0.2:7000',
    }),
  ),
  /**
   * REDIS_SHARDS: how many shards (queues, each under its own hash tag; a producer's batches all go to
   * one) System 1 spreads over the Redis. Every ingest replica and worker must agree, so the first
   * process to start records it in Redis and the others refuse to start with a different one.
   * Default 0: with REDIS_CLUSTER_NODES the cluster's master count at first start (or what is
   * recorded); with REDIS_URL, 1 (the unsharded keys, as before).
   */
  REDIS_SHARDS: Type.Integer({ default: 0, minimum: 0, maximum: 256 }),
  /** HTTP_PORT: HTTP/1.1 listener (ingest, live, stats, metrics, history). Default 3001. */
  HTTP_PORT: Type.Integer({ default: 3001, ...PORT }),
  /** H2C_PORT: cleartext HTTP/2 with prior knowledge (ingest). Default 3002. */
  H2C_PORT: Type.Integer({ default: 3002, ...PORT }),
  /** HTTPS_PORT: TLS with ALPN h2 and http/1.1 (ingest). Default 3443. */
  HTTPS_PORT: Type.Integer({ default: 3443, ...PORT }),
  /** TLS_CERT / TLS_KEY: PEM files for the TLS listener; both or neither. Default unset: a self-signed dev certificate in CERT_DIR. */
  TLS_CERT: Type.Optional(Type.String({ description: 'a PEM file path' })),
  TLS_KEY: Type.Optional(Type.String({ description: 'a PEM file path' })),
  /** CERT_DIR: where the self-signed development certificate is cached. Default .certs (gitignored). */
  CERT_DIR: Type.String({ default: '.certs', description: 'a directory' }),
  /** QUEUE_NAME: BullMQ queue name. Default batches. */
  QUEUE_NAME: Type.String({ default: 'batches', ...NAME }),
  /** KEY_PREFIX: prefix of every Redis key (BullMQ's and ours), so several systems can share a Redis. Default ingestlab. */
  KEY_PREFIX: Type.String({ default: 'ingestlab', ...NAME }),
  /** QUEUE_MAX_DEPTH: batches admitted but not yet aggregated above which /ingest sheds with 429. Default 200000. */
  QUEUE_MAX_DEPTH: Type.Integer({ default: 200_000, minimum: 1, maximum: 100_000_000 }),
  /** GROUP_COMMIT_MS: how long concurrent batches are collected into one Redis transaction; 0 = one per request. Default 2. */
  GROUP_COMMIT_MS: Type.Integer({ default: 2, minimum: 0, maximum: 1000 }),
  /** GROUP_COMMIT_MAX: most batches in one group commit. Default 256. */
  GROUP_COMMIT_MAX: Type.Integer({ default: 256, minimum: 1, maximum: 4096 }),
  /**
   * JOB_SPAN_MS: one BullMQ job covers the groups a replica commits within this many ms (the commit
   * that ends the span adds it), so jobs do not grow with the request rate; 0 = one job per group
   * commit. A group waits up to this long for its job. Default 20.
   */
  JOB_SPAN_MS: Type.Integer({ default: 20, minimum: 0, maximum: 1000 }),
  /**
   * WINDOW_MAX_WAIT_MS: a window is published as soon as every batch admitted while it was open has
   * been folded, or this long after its end, whichever comes first; batches of it folded later go to
   * the next window, counted there as late. Default 2000.
   */
  WINDOW_MAX_WAIT_MS: Type.Integer({ default: 2000, minimum: 0, maximum: 600_000 }),
  /**
   * DUPLICATE_HORIZON_MS: a (producer, seq) is remembered at least this long after it was admitted
   * (the contract's ten minutes at least); a seq below what a producer's memory still covers is
   * refused as too old (409). Default 600000.
   */
  DUPLICATE_HORIZON_MS: Type.Integer({
    default: DUPLICATE_HORIZON_MS,
    minimum: DUPLICATE_HORIZON_MS,
    maximum: 24 * 3600 * 1000,
  }),
  /** REDIS_COMMAND_TIMEOUT_MS: ingest-side Redis commands fail after this, so no request waits forever. Default 2000. */
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 50, maximum: 60_000 }),
  /** RETRY_AFTER_S: `retry-after` seconds on 429 and 503. Default 1. */
  RETRY_AFTER_S: Type.Integer({ default: 1, minimum: 1, maximum: 3600 }),
  /** RATE_LIMIT_MAX: /ingest requests per producer (x-producer header, else client address) per RATE_LIMIT_WINDOW_MS, counted in Redis; 0 = off. Default 5000. */
  RATE_LIMIT_MAX: Type.Integer({ default: 5000, minimum: 0, maximum: 100_000_000 }),
  /** RATE_LIMIT_WINDOW_MS: the window of RATE_LIMIT_MAX. Default 1000. */
  RATE_LIMIT_WINDOW_MS: Type.Integer({ default: 1000, minimum: 100, maximum: 3_600_000 }),
  /**
   * FOLD_BULK_JOBS: most jobs (groups of batches) a worker folds in one bulk: one read and one fold
   * script for all of them. Default 64.
   */
  FOLD_BULK_JOBS: Type.Integer({ default: 64, minimum: 1, maximum: 1000 }),
  /**
   * FOLD_BULK_WAIT_MS: while jobs flow, a worker takes a bulk this often, so a job waits at most this
   * long for its bulk (a full bulk is followed by the next at once; an idle worker waits for a job).
   * Fewer, larger bulks cost less CPU; a window's last batches wait up to this long. Default 50.
   */
  FOLD_BULK_WAIT_MS: Type.Integer({ default: 50, minimum: 0, maximum: 1000 }),
  /** JOB_ATTEMPTS: tries per job before it stays in the failed set (exponential backoff from 200 ms). Default 8. */
  JOB_ATTEMPTS: Type.Integer({ default: 8, minimum: 1, maximum: 100 }),
  /**
   * WORKER_PORT: the worker's HTTP port, serving /healthz, /readyz and /metrics. Default 0: a free
   * port chosen at start (logged), so several workers on one machine never collide; give a fixed one
   * where something probes or scrapes it (compose: 3004).
   */
  WORKER_PORT: Type.Integer({ default: 0, ...PORT }),
};

/** host:port of a cluster node. */
export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface Config extends SharedConfig {
  redisUrl: string;
  /** Null: the one Redis at redisUrl. */
  redisClusterNodes: ClusterNodeAddress[] | null;
  /** 0 until resolved at start (resolveShardCount) in cluster mode; at least 1 otherwise. */
  redisShards: number;
  httpPort: number;
  h2cPort: number;
  httpsPort: number;
  /** Both or neither (checked). */
  tlsCert: string | null;
  tlsKey: string | null;
  certDir: string;
  queueName: string;
  keyPrefix: string;
  queueMaxDepth: number;
  groupCommitMs: number;
  groupCommitMax: number;
  jobSpanMs: number;
  windowMaxWaitMs: number;
  duplicateHorizonMs: number;
  redisCommandTimeoutMs: number;
  retryAfterS: number;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  foldBulkJobs: number;
  foldBulkWaitMs: number;
  jobAttempts: number;
  workerPort: number;
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const { shared, own: s } = loadConfigWith(SettingsSchema, env);
  const tlsCert = s.TLS_CERT ?? null;
  const tlsKey = s.TLS_KEY ?? null;
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError(
      'TLS_CERT and TLS_KEY must be given together (or neither, for a self-signed dev certificate)',
    );
  }
  try {
    new URL(s.REDIS_URL);
  } catch {
    throw new ConfigError(
      `REDIS_URL must be a URL like redis://127.0.0.1:6379, got ${JSON.stringify(s.REDIS_URL)}`,
    );
  }
  const redisClusterNodes = s.REDIS_CLUSTER_NODES === undefined ? null : parseNodes(s.REDIS_CLUSTER_NODES);
  const ports = [s.HTTP_PORT, s.H2C_PORT, s.HTTPS_PORT].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length) {
    throw new ConfigError(
      `HTTP_PORT, H2C_PORT and HTTPS_PORT must differ, got ${s.HTTP_PORT}, ${s.H2C_PORT}, ${s.HTTPS_PORT}`,
    );
  }
  return {
    ...shared,
    redisUrl: s.REDIS_URL,
    redisClusterNodes,
    redisShards: redisClusterNodes === null ? Math.max(1, s.REDIS_SHARDS) : s.REDIS_SHARDS,
    httpPort: s.HTTP_PORT,
    h2cPort: s.H2C_PORT,
    httpsPort: s.HTTPS_PORT,
    tlsCert,
    tlsKey,
    certDir: s.CERT_DIR,
    queueName: s.QUEUE_NAME,
    keyPrefix: s.KEY_PREFIX,
    queueMaxDepth: s.QUEUE_MAX_DEPTH,
    groupCommitMs: s.GROUP_COMMIT_MS,
    groupCommitMax: s.GROUP_COMMIT_MAX,
    jobSpanMs: s.JOB_SPAN_MS,
    windowMaxWaitMs: s.WINDOW_MAX_WAIT_MS,
    duplicateHorizonMs: s.DUPLICATE_HORIZON_MS,
    redisCommandTimeoutMs: s.REDIS_COMMAND_TIMEOUT_MS,
    retryAfterS: s.RETRY_AFTER_S,
    rateLimitMax: s.RATE_LIMIT_MAX,
    rateLimitWindowMs: s.RATE_LIMIT_WINDOW_MS,
    foldBulkJobs: s.FOLD_BULK_JOBS,
    foldBulkWaitMs: s.FOLD_BULK_WAIT_MS,
    jobAttempts: s.JOB_ATTEMPTS,
    workerPort: s.WORKER_PORT,
  };
}

/** REDIS_CLUSTER_NODES as addresses; a port out of range is a ConfigError naming it. */
function parseNodes(text: string): ClusterNodeAddress[] {
  return text.split(',').map((address) => {
    const colon = address.lastIndexOf(':');
    const port = Number(address.slice(colon + 1));
    if (port < 1 || port > 65535) {
      throw new ConfigError(`REDIS_CLUSTER_NODES: port out of range in ${JSON.stringify(address)}`);
    }
    return { host: address.slice(0, colon), port };
  });
}

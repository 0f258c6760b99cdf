// The settings both systems read, under the same names, defaults and rules. Each app's config.ts
// adds its own on top (see its README); every variable is documented here where it is declared.
import { type HistoryRange, HistoryRangeSchema } from '@ingestlab/metric-schema';
import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { ConfigError } from './config-error.js';
import type { Env } from './load-settings.js';
import { loadSettings } from './load-settings.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The dashboard's own origins (Vite dev server 5173, preview 4173): CORS_ORIGINS's default. */
export const DASHBOARD_ORIGINS = [
  'http://127.0.0.1:5173',
  'http://localhost:5173',
  'http://127.0.0.1:4173',
  'http://localhost:4173',
];

export const SharedSettingsSchema = {
  /** HOST: bind address. Default 127.0.0.1 (0.0.0.0 inside containers). */
  HOST: Type.String({
    default: '127.0.0.1',
    pattern: '^[A-Za-z0-9.:-]+$',
    description: 'a host name or an IP address',
  }),
  /**
   * INGEST_TOKEN: when set, producers must present it as `authorization: Bearer <token>` (System 2
   * also takes `?token=`). 1-256 visible ASCII characters. Default unset: open, for the classroom.
   */
  INGEST_TOKEN: Type.Optional(
    Type.String({ pattern: '^[\\x21-\\x7e]{1,256}$', description: '1 to 256 visible ASCII characters' }),
  ),
  /** WINDOW_MS: window length, aligned to the epoch. Default 1000. */
  WINDOW_MS: Type.Integer({ default: 1000, minimum: 100, maximum: 3_600_000 }),
  /** HISTORY_WINDOWS: closed windows kept for /api/history and snapshots. Default 3600 (1 h at 1 s). */
  HISTORY_WINDOWS: Type.Integer({ default: 3600, minimum: 1, maximum: 100_000 }),
  /** LIVE_SNAPSHOT_RANGE: the history a new dashboard viewer receives in its snapshot. Default 5m. */
  LIVE_SNAPSHOT_RANGE: Type.Union(HistoryRangeSchema.anyOf, { default: '5m' }),
  /** LIVE_MAX_BACKLOG_BYTES: a viewer's backlog above which frames are skipped for it. Default 262144. */
  LIVE_MAX_BACKLOG_BYTES: Type.Integer({ default: 256 * 1024, minimum: 1024, maximum: 64 * 1024 * 1024 }),
  /** LIVE_HEARTBEAT_MS: a heartbeat goes to a viewer sent nothing for this long. Default 5000. */
  LIVE_HEARTBEAT_MS: Type.Integer({ default: 5000, minimum: 10, maximum: 3_600_000 }),
  /** PING_INTERVAL_MS: WebSocket peers are pinged this often; silent ones are terminated. Default 30000. */
  PING_INTERVAL_MS: Type.Integer({ default: 30_000, minimum: 100, maximum: 3_600_000 }),
  /** HTTP_RATE_LIMIT_PER_MIN: requests per minute per client address on /stats and /api/history; 0 = off. Default 1200. */
  HTTP_RATE_LIMIT_PER_MIN: Type.Integer({ default: 1200, minimum: 0, maximum: 100_000_000 }),
  /**
   * CORS_ORIGINS: `*`, or comma-separated origins (scheme://host[:port]) allowed to read from a
   * browser. Default the dashboard's own dev and preview origins (the dashboard itself is served
   * same-origin through a proxy everywhere else, so it needs none).
   */
  CORS_ORIGINS: Type.String({ default: DASHBOARD_ORIGINS.join(','), description: '* or origins' }),
  /** SHUTDOWN_TIMEOUT_MS: the longest a graceful stop may take before the process exits anyway (exit 1). Default 10000. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, maximum: 600_000 }),
  /** LOG_LEVEL: pino level. Default info. */
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
};

export type SharedSettingsEnv = Static<ReturnType<typeof Type.Object<typeof SharedSettingsSchema>>>;

/** The shared settings as the code uses them. */
export interface SharedConfig {
  host: string;
  /** null = open. */
  ingestToken: string | null;
  windowMs: number;
  historyWindows: number;
  liveSnapshotRange: HistoryRange;
  liveMaxBacklogBytes: number;
  liveHeartbeatMs: number;
  pingIntervalMs: number;
  httpRateLimitPerMin: number;
  corsOrigins: string[] | '*';
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
}

/** Parses CORS_ORIGINS: `*`, or a list of bare origins; anything else is a ConfigError. */
export function parseOrigins(raw: string): string[] | '*' {
  if (raw.trim() === '*') return '*';
  const list = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of list) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || url.origin !== origin || !/^https?:$/.test(url.protocol)) {
      throw new ConfigError(
        `CORS_ORIGINS must be * or comma-separated bare origins like http://localhost:5173, got ${JSON.stringify(origin)}`,
      );
    }
  }
  return list;
}

/** The shared part of a validated environment, as SharedConfig. */
export function sharedConfig(env: SharedSettingsEnv): SharedConfig {
  return {
    host: env.HOST,
    ingestToken: env.INGEST_TOKEN ?? null,
    windowMs: env.WINDOW_MS,
    historyWindows: env.HISTORY_WINDOWS,
    liveSnapshotRange: env.LIVE_SNAPSHOT_RANGE as HistoryRange,
    liveMaxBacklogBytes: env.LIVE_MAX_BACKLOG_BYTES,
    liveHeartbeatMs: env.LIVE_HEARTBEAT_MS,
    pingIntervalMs: env.PING_INTERVAL_MS,
    httpRateLimitPerMin: env.HTTP_RATE_LIMIT_PER_MIN,
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    logLevel: env.LOG_LEVEL as LogLevel,
  };
}

/** Loads only the shared settings (for tools and tests; apps load theirs together with these). */
export function loadSharedConfig(env: Env = process.env): SharedConfig {
  return sharedConfig(loadSettings(SharedSettingsSchema, env));
}

/**
 * Loads an app's own settings (`own`, keyed by variable name) together with the shared ones, in one
 * validation, so one message names every wrong variable of either kind.
 */
export function loadConfigWith<P extends TProperties>(
  own: P,
  env: Env = process.env,
): { shared: SharedConfig; own: Static<TObject<P>> } {
  const settings: unknown = loadSettings({ ...SharedSettingsSchema, ...own }, env);
  return { shared: sharedConfig(settings as SharedSettingsEnv), own: settings as Static<TObject<P>> };
}

// System 2's settings: the shared ones (@ingestlab/serving: HOST, INGEST_TOKEN, WINDOW_MS,
// HISTORY_WINDOWS, LIVE_*, PING_INTERVAL_MS, HTTP_RATE_LIMIT_PER_MIN, CORS_ORIGINS,
// SHUTDOWN_TIMEOUT_MS, LOG_LEVEL) and its own below, read from the environment once at boot.
import { DUPLICATE_HORIZON_MS } from '@ingestlab/metric-schema';
import { type Env, loadConfigWith, type SharedConfig } from '@ingestlab/serving';
import { Type } from '@sinclair/typebox';

/** System 2's own settings (a shard's entry point adds its own on top). */
export const SettingsSchema = {
  /** WS_PORT: ingest socket, live, stats, metrics, history. 0 picks a free port (tests). Default 3003. */
  WS_PORT: Type.Integer({ default: 3003, minimum: 0, maximum: 65535 }),
  /** MAX_INFLIGHT_BATCHES: batches per connection whose ack is not yet flushed before its read side pauses. Default 256. */
  MAX_INFLIGHT_BATCHES: Type.Integer({ default: 256, minimum: 1, maximum: 1_000_000 }),
  /** DUPLICATE_HORIZON_MS: how long a (producer, seq) pair is remembered; the contract's 10 minutes at least. Default 600000. */
  DUPLICATE_HORIZON_MS: Type.Integer({
    default: DUPLICATE_HORIZON_MS,
    minimum: DUPLICATE_HORIZON_MS,
    maximum: 86_400_000,
  }),
  /** DUPLICATE_MAX_ENTRIES: memory bound of the duplicate index; past it the oldest slice is dropped early (counted). Default 5000000. */
  DUPLICATE_MAX_ENTRIES: Type.Integer({ default: 5_000_000, minimum: 1000, maximum: 1_000_000_000 }),
  /** RATE_LIMIT_SAMPLES_PER_SEC: per-producer token bucket (2 s of burst); over it a batch is nacked with retryAfterMs; 0 = off. Default 200000. */
  RATE_LIMIT_SAMPLES_PER_SEC: Type.Integer({ default: 200_000, minimum: 0, maximum: 1_000_000_000 }),
  /**
   * DATA_DIR: where System 2 keeps its durable watermark (`watermark.json`: the end of the last window
   * it published, written with fsync before each publication). Set, producers may opt into end-to-end
   * acknowledgements (`/ingest?commit=1`). Created if missing. Default unset: the classic mode only.
   */
  DATA_DIR: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'a directory path' })),
  /**
   * TEST_CRASH_AT: a test hook, never for production. `after-watermark:N` or `after-publish:N` makes the
   * process kill itself (SIGKILL) at that point of the N-th publication of a window holding samples:
   * after its watermark is durable but before it is published, or after it is published but before
   * the commit frames go out. Default unset.
   */
  TEST_CRASH_AT: Type.Optional(
    Type.String({
      pattern: '^(after-watermark|after-publish):[1-9][0-9]{0,5}$',
      description: 'after-watermark:N or after-publish:N (N from 1)',
    }),
  ),
};

/** Where the test hook kills the process (TEST_CRASH_AT). */
export interface CrashPoint {
  at: 'after-watermark' | 'after-publish';
  /** The n-th publication of a window with samples (from 1). */
  publication: number;
}

export interface Config extends SharedConfig {
  port: number;
  maxInFlightBatches: number;
  duplicateHorizonMs: number;
  duplicateMaxEntries: number;
  rateLimitSamplesPerSec: number;
  /** The durable watermark's directory; null: classic mode only (no end-to-end acknowledgements). */
  dataDir: string | null;
  /** The test hook's crash point, or null. */
  crashAt: CrashPoint | null;
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const { shared, own: settings } = loadConfigWith(SettingsSchema, env);
  return {
    ...shared,
    port: settings.WS_PORT,
    maxInFlightBatches: settings.MAX_INFLIGHT_BATCHES,
    duplicateHorizonMs: settings.DUPLICATE_HORIZON_MS,
    duplicateMaxEntries: settings.DUPLICATE_MAX_ENTRIES,
    rateLimitSamplesPerSec: settings.RATE_LIMIT_SAMPLES_PER_SEC,
    dataDir: settings.DATA_DIR ?? null,
    crashAt: crashPoint(settings.TEST_CRASH_AT),
  };
}

function crashPoint(text: string | undefined): CrashPoint | null {
  if (!text) return null;
  const [at, n] = text.split(':');
  return { at: at as CrashPoint['at'], publication: Number(n) };
}

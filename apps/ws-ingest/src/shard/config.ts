// A shard's settings: every System 2 setting (src/config.ts, with the shared ones), plus its own.
import { ConfigError, type Env, loadConfigWith } from '@ingestlab/serving';
import { Type } from '@sinclair/typebox';
import { type Config, SettingsSchema } from '../config.js';

const ShardSettingsSchema = {
  /** SHARD_PARTIALS_KEPT: closed partial windows held for the merger's polls (a merger further behind misses windows). Default 120. */
  SHARD_PARTIALS_KEPT: Type.Integer({ default: 120, minimum: 2, maximum: 3600 }),
};

export interface ShardConfig extends Config {
  partialsKept: number;
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadShardConfig(env: Env = process.env): ShardConfig {
  const { shared, own } = loadConfigWith({ ...SettingsSchema, ...ShardSettingsSchema }, env);
  // a shard does not publish (the merger does), so it has no watermark to make durable
  if (own.DATA_DIR !== undefined || own.TEST_CRASH_AT !== undefined) {
    throw new ConfigError(
      'DATA_DIR and TEST_CRASH_AT must be unset on a shard: end-to-end acknowledgements need the process that publishes (a single System 2)',
    );
  }
  return {
    ...shared,
    port: own.WS_PORT,
    maxInFlightBatches: own.MAX_INFLIGHT_BATCHES,
    duplicateHorizonMs: own.DUPLICATE_HORIZON_MS,
    duplicateMaxEntries: own.DUPLICATE_MAX_ENTRIES,
    rateLimitSamplesPerSec: own.RATE_LIMIT_SAMPLES_PER_SEC,
    partialsKept: own.SHARD_PARTIALS_KEPT,
    dataDir: null,
    crashAt: null,
  };
}

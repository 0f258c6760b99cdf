// The merger's settings: the shared ones (@ingestlab/serving; WINDOW_MS must match the shards') and
// its own below, read from the environment once at boot.
import { ConfigError, type Env, loadConfigWith, type SharedConfig } from '@ingestlab/serving';
import { Type } from '@sinclair/typebox';

const MergerSettingsSchema = {
  /** MERGER_PORT: /live, /live/sse, /api/history, /stats (summed, with each shard), /metrics, /shard/partials. 0 picks a free port. Default 3005. */
  MERGER_PORT: Type.Integer({ default: 3005, minimum: 0, maximum: 65535 }),
  /** SHARD_URLS: the shards, comma-separated, each `[name=]http://host:port`; the name (default host:port) is what frames and /stats call it. Required. */
  SHARD_URLS: Type.String({
    minLength: 1,
    description: 'a comma-separated list of [name=]http://host:port (the shards)',
  }),
  /** MERGE_WAIT_MS: how long past a window's end the merger waits for a live shard's partial before publishing without it (named as missing). Default 3000. */
  MERGE_WAIT_MS: Type.Integer({ default: 3000, minimum: 0, maximum: 60_000 }),
  /** SHARD_POLL_WAIT_MS: how long one poll may wait on a shard for its next window; a shard silent for this plus 2 s is down. Default 5000. */
  SHARD_POLL_WAIT_MS: Type.Integer({ default: 5000, minimum: 100, maximum: 30_000 }),
  /** SHARD_RETRY_MS: the pause before polling a shard that is down again. Default 500. */
  SHARD_RETRY_MS: Type.Integer({ default: 500, minimum: 10, maximum: 60_000 }),
};

export interface ShardAddress {
  /** What frames and /stats call it. */
  name: string;
  /** Its base URL (no trailing slash). */
  url: string;
}

export interface MergerConfig extends SharedConfig {
  port: number;
  shards: ShardAddress[];
  mergeWaitMs: number;
  pollWaitMs: number;
  retryMs: number;
}

const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/** Parses SHARD_URLS; throws ConfigError naming the entry that is wrong. */
export function parseShardUrls(raw: string): ShardAddress[] {
  const shards: ShardAddress[] = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const text = eq > 0 && !entry.slice(0, eq).includes('/') ? entry.slice(eq + 1) : entry;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError(
        `SHARD_URLS must be ${MergerSettingsSchema.SHARD_URLS.description}, got "${entry}"`,
      );
    }
    if (url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') {
      throw new ConfigError(`SHARD_URLS entries must be http://host:port with no path, got "${entry}"`);
    }
    const name = text === entry ? url.host : entry.slice(0, eq);
    if (!NAME.test(name)) {
      throw new ConfigError(`SHARD_URLS names must be 1 to 64 of A-Z a-z 0-9 . _ : -, got "${name}"`);
    }
    if (shards.some((shard) => shard.name === name)) {
      throw new ConfigError(`SHARD_URLS names each shard once, got "${name}" twice`);
    }
    shards.push({ name, url: url.origin });
  }
  if (shards.length === 0) throw new ConfigError('SHARD_URLS must name at least one shard');
  return shards;
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadMergerConfig(env: Env = process.env): MergerConfig {
  const { shared, own } = loadConfigWith(MergerSettingsSchema, env);
  return {
    ...shared,
    port: own.MERGER_PORT,
    shards: parseShardUrls(own.SHARD_URLS),
    mergeWaitMs: own.MERGE_WAIT_MS,
    pollWaitMs: own.SHARD_POLL_WAIT_MS,
    retryMs: own.SHARD_RETRY_MS,
  };
}

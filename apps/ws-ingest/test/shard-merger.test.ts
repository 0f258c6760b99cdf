// A shard and the merger in process on port 0: the partials route's answers and refusals, the
// merger's settings, summed /stats, and a shard that stops being named in the windows after it.
import { waitUntil } from '@ingestlab/devkit';
import { type Stats, validateStats, type Window } from '@ingestlab/metric-schema';
import { ConfigError } from '@ingestlab/serving';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMergerConfig, parseShardUrls } from '../src/merger/config.js';
import { buildMergerApp } from '../src/merger/merger-app.js';
import { loadShardConfig } from '../src/shard/config.js';
import { buildShardApp } from '../src/shard/shard-app.js';
import { batch, connectProducer, makeSamples } from './helpers.js';

const WINDOW_MS = '200';
const apps: FastifyInstance[] = [];

async function listen(app: FastifyInstance): Promise<number> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function startShard(): Promise<number> {
  return listen(await buildShardApp(loadShardConfig({ WS_PORT: '0', WINDOW_MS, LOG_LEVEL: 'silent' })));
}

afterEach(async () => {
  await Promise.allSettled(apps.splice(0).map((app) => app.close()));
});

describe('merger settings', () => {
  it('reads named and unnamed shard URLs', () => {
    expect(parseShardUrls('a=http://127.0.0.1:4001, http://10.0.0.2:4002')).toEqual([
      { name: 'a', url: 'http://127.0.0.1:4001' },
      { name: '10.0.0.2:4002', url: 'http://10.0.0.2:4002' },
    ]);
  });

  it('refuses a missing, malformed or repeated SHARD_URLS with the variable named', () => {
    expect(() => loadMergerConfig({})).toThrow(/SHARD_URLS must be a comma-separated list/);
    expect(() => parseShardUrls('a=ftp://x:1')).toThrow(ConfigError);
    expect(() => parseShardUrls('a=http://x:1/path')).toThrow(/no path/);
    expect(() => parseShardUrls('a=http://x:1,a=http://y:2')).toThrow(/"a" twice/);
    expect(() => parseShardUrls('not a url')).toThrow(/SHARD_URLS/);
    expect(() => loadMergerConfig({ SHARD_URLS: 'http://x:1', MERGE_WAIT_MS: 'soon' })).toThrow(
      /MERGE_WAIT_MS must be an integer from 0 to 60000, got "soon"/,
    );
  });
});

describe('shard partials and the merger', () => {
  it('refuses a bad poll with 400 and the contract error shape', async () => {
    const port = await startShard();
    const response = await fetch(`http://127.0.0.1:${port}/shard/partials?after=soon`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    const tooLong = await fetch(`http://127.0.0.1:${port}/shard/partials?waitMs=999999`);
    expect(tooLong.status).toBe(400);
  });

  it('sums the shards, merges their windows, and names a shard that went away', async () => {
    const [a, b] = [await startShard(), await startShard()];
    const merger = await listen(
      await buildMergerApp(
        loadMergerConfig({
          MERGER_PORT: '0',
          WINDOW_MS,
          LOG_LEVEL: 'silent',
          SHARD_URLS: `a=http://127.0.0.1:${a},b=http://127.0.0.1:${b}`,
          MERGE_WAIT_MS: '300',
          SHARD_POLL_WAIT_MS: '1000',
          SHARD_RETRY_MS: '50',
        }),
      ),
    );
    const stats = async () => (await (await fetch(`http://127.0.0.1:${merger}/stats`)).json()) as Stats;
    const pa = await connectProducer(a);
    const pb = await connectProducer(b);
    for (let seq = 0; seq < 5; seq++) {
      pa.send(batch('pa', seq, makeSamples(30, seq)));
      pb.send(batch('pb', seq, makeSamples(20, seq + 100)));
    }
    let last: Stats | undefined;
    await waitUntil(
      async () => {
        last = await stats();
        return last.accepted === 250 && last.aggregated === 250;
      },
      10_000,
      () => `merged stats at 250: ${JSON.stringify(last)}`,
    );
    expect(validateStats(last).ok).toBe(true);
    expect(last!.producers).toBe(2);
    expect(last!.shards!.map((s) => [s.name, s.state, s.accepted])).toEqual([
      ['a', 'up', 150],
      ['b', 'up', 100],
    ]);
    pa.close();
    pb.close();

    await apps[1]!.close(); // shard b
    let windows: Window[] = [];
    await waitUntil(
      async () => {
        const history = (await (await fetch(`http://127.0.0.1:${merger}/api/history?range=1m`)).json()) as {
          windows: Window[];
        };
        windows = history.windows.filter((w) => w.shards?.missing.includes('b'));
        return windows.length >= 2;
      },
      10_000,
      () => 'windows naming b as missing',
    );
    expect(windows.at(-1)!.shards).toEqual({ expected: 2, reported: 1, missing: ['b'] });
    const after = await stats();
    expect(after.shards![1]).toMatchObject({ name: 'b', state: 'down', accepted: 100 });
    expect(after.shards![1]!.error).toBeTruthy();
    // The merged total stays: b's counts are kept while it is down.
    expect(after.accepted).toBe(250);
  });
});

// The Redis window scripts against a real Redis: a group folds once however often its job runs, a
// fold never lands in a closed window, a window closes once, and the result equals the offline math.
import { aggregateOffline } from '@ingestlab/aggregation';
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import type { Sample } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngestQueue } from '../src/queue/ingest-queue.js';
import { createFailFastRedis } from '../src/redis/connections.js';
import { type Keys, keysFor } from '../src/redis/keys.js';
import { closeAggregate, WindowStore } from '../src/windows/window-store.js';
import { batch } from './support/batches.js';

let server: PrivateRedis;
let redis: Redis;
let keys: Keys;
let queue: IngestQueue;
let store: WindowStore;
const W = 1000;

beforeAll(async () => {
  server = await startRedis();
  redis = createFailFastRedis(server.url, 5000, 'test');
  await new Promise((r) => redis.once('ready', r));
  keys = keysFor('ws-test');
  queue = new IngestQueue({ redis, keys, queueName: 'q', prefix: 'ws-test', attempts: 1 });
  store = new WindowStore(redis, keys, W);
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await server?.stop();
});

async function admit(batches: ReturnType<typeof batch>[]): Promise<string> {
  await queue.commit(
    batches.map((b) => ({
      producer: b.producer,
      seq: b.seq,
      samples: b.samples.length,
      json: JSON.stringify(b),
    })),
  );
  const [job] = await queue.queue.getJobs(['waiting'], 0, 0, false);
  await job!.remove();
  return job!.data.group;
}

it('folds a group exactly once and closes to the same window as the offline reference', async () => {
  const batches = [
    batch('fa', 1, 30),
    batch('fb', 2, 25),
    { ...batch('fc', 3, 1), samples: [{ ...batch('fc', 3, 1).samples[0]!, host: '__proto__', cpu: 99.5 }] },
  ];
  const group = await admit(batches);
  const at = () => 5_000_000;
  expect(await store.foldGroup(group, at)).toMatchObject({ kind: 'folded', batches: 3, samples: 56 });
  // The retried job finds nothing to fold.
  expect(await store.foldGroup(group, at)).toEqual({ kind: 'empty' });
  const closed = await store.close(5_000_000);
  expect(closed).not.toBeNull();
  expect(await store.close(5_000_000)).toBeNull();
  const window = closeAggregate(closed!, { publishedAt: 5_001_200, queueDepth: 0 });
  const samples: Sample[] = batches.flatMap((b) => b.samples);
  const reference = aggregateOffline(samples, 5_000_000, W, { publishedAt: 5_001_200, queueDepth: 0 });
  expect(window).toEqual(reference);
  // `__proto__` is a valid host name and stays an ordinary host.
  expect(window.hosts).toBe(21);
  expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending)).toEqual(['56', '56', '0']);
});

it('moves a fold that arrives after its window closed into the next open window', async () => {
  const group = await admit([batch('late', 1, 4)]);
  await store.close(6_000_000);
  expect(await store.foldGroup(group, () => 6_000_500)).toMatchObject({ kind: 'folded', start: 6_001_000 });
  const next = await store.close(6_001_000);
  expect(next!.partial.samples).toBe(4);
});

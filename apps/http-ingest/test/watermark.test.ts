// Windows closed by watermark, against a real Redis, with three ingest replicas taking load at once
// and one worker: every window is published exactly once (whichever replica wins it), consecutive,
// complete (none at its maximum wait, nothing late), and the windows add up to `aggregated`, which
// equals what the producers had acknowledged.
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import type { Window } from '@ingestlab/metric-schema';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FoldWorker } from '../src/worker/fold-worker.js';
import { batch } from './support/batches.js';
import { drainedStats, startSystem, startWorker, type TestSystem, testConfig } from './support/system.js';

const W = 250;
let redis: PrivateRedis;
const replicas: TestSystem[] = [];
let worker: FoldWorker;

beforeAll(async () => {
  redis = await startRedis();
  const config = testConfig(redis.url, { WINDOW_MS: String(W) });
  for (let i = 0; i < 3; i += 1) replicas.push(await startSystem(config, { listen: false }));
  worker = startWorker(config);
});
afterAll(async () => {
  await worker?.close();
  for (const replica of replicas) await replica.close();
  await redis?.stop();
});

it('publishes every window once, complete, and the windows add up to aggregated', async () => {
  // Every window as the replicas' viewers get it: over the windows channel, whoever published it.
  const seen: Window[] = [];
  const subscriber = new Redis(redis.url);
  subscriber.on('message', (_channel: string, json: string) => seen.push(JSON.parse(json) as Window));
  await subscriber.subscribe(replicas[0]!.services.keys.channel);
  let acked = 0;
  // Three producers, one per replica, 2 s of batches of 3 samples.
  const until = Date.now() + 2000;
  await Promise.all(
    replicas.map(async (replica, r) => {
      for (let seq = 0; Date.now() < until; seq += 1) {
        const answer = await replica.apps.http1.inject({
          method: 'POST',
          url: '/ingest',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(batch(`wm-${r}`, seq, 3)),
        });
        expect(answer.statusCode).toBe(202);
        acked += answer.json().accepted;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  const stats = await drainedStats(replicas[0]!.services, 30_000);
  expect(stats.aggregated).toBe(acked);
  await waitUntil(
    () => seen.reduce((sum, w) => sum + w.samples, 0) === acked,
    10_000,
    () => `windows holding ${acked} samples (have ${seen.reduce((sum, w) => sum + w.samples, 0)})`,
  );
  const starts = seen.map((w) => w.start);
  expect(new Set(starts).size).toBe(starts.length);
  for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBe(W);
  expect(seen.every((w) => w.pipeline.late === 0)).toBe(true);
  const published = replicas.reduce((sum, r) => sum + r.services.counts.windowsPublished, 0);
  expect(published).toBeGreaterThanOrEqual(seen.length);
  // No window waited for its maximum: each was published once its folds were in.
  for (const replica of replicas) {
    const metrics = (await replica.apps.http1.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('ingest_windows_incomplete_total{system="http-redis"} 0');
    expect(metrics).toContain('ingest_late_samples_total{system="http-redis"} 0');
  }
  subscriber.disconnect();
});

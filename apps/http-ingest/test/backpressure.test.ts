// The queue over its depth limit: /ingest answers 429 with retry-after and takes nothing, /readyz says
// why; once workers catch up, batches are taken again.
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FoldWorker } from '../src/worker/fold-worker.js';
import { batch } from './support/batches.js';
import { http1Client } from './support/clients.js';
import { startSystem, startWorker, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
let system: TestSystem;
let worker: FoldWorker | null = null;

beforeAll(async () => {
  redis = await startRedis();
  system = await startSystem(testConfig(redis.url, { QUEUE_MAX_DEPTH: '5', RETRY_AFTER_S: '2' }), {
    publish: false,
  });
});
afterAll(async () => {
  await worker?.close();
  await system?.close();
  await redis?.stop();
});

it('answers 429 with retry-after over the depth limit, then takes batches again once drained', async () => {
  const client = http1Client(system.urls.http1);
  for (let seq = 0; seq < 5; seq += 1) {
    expect((await client.post('/ingest', JSON.stringify(batch('bp', seq, 2)))).status).toBe(202);
  }
  await waitUntil(
    () => system.services.depth.overDepth(),
    5000,
    () => 'depth seen',
  );
  const refused = await client.post('/ingest', JSON.stringify(batch('bp', 5, 2)));
  expect(refused.status).toBe(429);
  expect(refused.headers['retry-after']).toBe('2');
  expect(JSON.parse(refused.body).error).toMatch(/depth limit/);
  const readyz = await client.get('/readyz');
  expect(readyz.status).toBe(503);
  expect(JSON.parse(readyz.body).reason).toMatch(/depth/);
  await system.services.rejections.flush();
  expect(await system.services.stats()).toMatchObject({ accepted: 10, rejected: 1, queueDepth: 5 });

  worker = startWorker(system.config);
  await waitUntil(
    async () => (await client.post('/ingest', JSON.stringify(batch('bp', 5, 2)))).status === 202,
    20_000,
    () => 'taken again',
  );
  await waitUntil(
    async () => (await system.services.stats()).aggregated === 12,
    20_000,
    () => 'all aggregated',
  );
  await client.close();
});

// Redis stopped under load: /ingest answers 503 with retry-after (producers keep their batches and
// retry), /readyz turns 503; once Redis is back (append-only), everything acknowledged is aggregated.
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FoldWorker } from '../src/worker/fold-worker.js';
import { http1Client } from './support/clients.js';
import { startLoad } from './support/load.js';
import { drainedStats, startSystem, startWorker, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
let restarted: PrivateRedis | null = null;
let system: TestSystem;
let worker: FoldWorker;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true });
  system = await startSystem(testConfig(redis.url, { WINDOW_MS: '250', REDIS_COMMAND_TIMEOUT_MS: '500' }));
  worker = startWorker(system.config);
});
afterAll(async () => {
  await worker?.close();
  await system?.close();
  await (restarted ?? redis)?.stop();
});

it('refuses with 503 while Redis is down and aggregates everything acknowledged after it returns', async () => {
  const client = http1Client(system.urls.http1);
  const load = startLoad(client, { producers: 4, samplesPerBatch: 10, prefix: 'outage', pauseMs: 2 });
  await waitUntil(
    () => load.acked() >= 2000,
    60_000,
    () => 'load under way',
  );
  await redis.crash();
  await waitUntil(
    async () => (await client.get('/readyz')).status === 503,
    10_000,
    () => '/readyz 503',
  );
  const readyz = await client.get('/readyz');
  expect(JSON.parse(readyz.body).reason).toMatch(/redis/);
  await waitUntil(
    () => (load.refusals.get(503)?.count ?? 0) >= 5,
    10_000,
    () => '503s seen by producers',
  );
  const refused = load.refusals.get(503)!.last;
  expect(refused.headers['retry-after']).toBe('1');
  expect(JSON.parse(refused.body).error).toMatch(/not taken/);
  const ackedWhileDown = load.acked();
  await new Promise((r) => setTimeout(r, 300));
  // Nothing is acknowledged while Redis is away.
  expect(load.acked()).toBe(ackedWhileDown);

  restarted = await redis.restart();
  await waitUntil(
    async () => (await client.get('/readyz')).status === 200,
    20_000,
    () => '/readyz 200 again',
  );
  await waitUntil(
    () => load.acked() >= ackedWhileDown + 1000,
    60_000,
    () => 'load resumed',
  );
  await load.stop();
  const final = await drainedStats(system.services, 60_000);
  // A batch whose transaction Redis applied but whose answer was lost is retried and answered as a
  // duplicate (acknowledged once to the producer, counted once).
  expect(final.accepted).toBe(load.acked());
  expect(final.aggregated).toBe(load.acked());
  await client.close();
});

// A worker process killed with SIGKILL in the middle of a load, and a new one started: nothing is
// lost and nothing counted twice (the group payload is deleted by the same script that folds it).
import { join } from 'node:path';
import {
  type ManagedProcess,
  type PrivateRedis,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { http1Client } from './support/clients.js';
import { startLoad } from './support/load.js';
import { drainedStats, startSystem, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
let system: TestSystem;
const workers: ManagedProcess[] = [];

function startWorkerProcess(config: Config): ManagedProcess {
  const worker = startProcess(
    'worker',
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(import.meta.dirname, '../src/worker.ts')],
    {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        REDIS_URL: config.redisUrl,
        KEY_PREFIX: config.keyPrefix,
        QUEUE_NAME: config.queueName,
        WINDOW_MS: String(config.windowMs),
        LOG_LEVEL: 'warn',
      },
    },
  );
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  redis = await startRedis();
  system = await startSystem(testConfig(redis.url, { WINDOW_MS: '250' }));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await system?.close();
  await redis?.stop();
});

it('loses and double-counts nothing when a worker is killed mid-load', async () => {
  const client = http1Client(system.urls.http1);
  const stats = () => system.services.stats();
  const first = startWorkerProcess(system.config);
  const load = startLoad(client, { producers: 6, samplesPerBatch: 20, prefix: 'crash' });
  await waitUntil(
    async () => (await stats()).aggregated >= 2000,
    60_000,
    () => `first worker folding (${first.output()})`,
  );
  await first.kill();
  const atKill = await stats();
  // Keep the load going with no worker for a moment, so jobs pile up and some were active at the kill.
  await new Promise((r) => setTimeout(r, 500));
  const second = startWorkerProcess(system.config);
  await waitUntil(
    async () => (await stats()).aggregated > atKill.aggregated + 2000,
    60_000,
    () => `second worker folding (${second.output()})`,
  );
  await load.stop();
  const final = await drainedStats(system.services, 90_000);
  expect(final.accepted).toBe(load.acked());
  expect(final.aggregated).toBe(load.acked());
  expect(final.duplicates).toBe(0);
  expect(await system.services.queue.queue.getJobCounts('failed')).toMatchObject({ failed: 0 });
  await client.close();
});

// A worker killed with SIGKILL in the middle of a bulk, under load: the windows whose batches it held
// (and those that pile up while no worker runs) wait at most WINDOW_MAX_WAIT_MS after their end, then
// are published anyway; once another worker folds those batches (the queued ones at once, the held
// ones when BullMQ finds their locks expired) they land in the next open window, counted as late.
// Nothing is lost, nothing counted twice, every window is published once.
import { join } from 'node:path';
import {
  type ManagedProcess,
  type PrivateRedis,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';
import type { Window } from '@ingestlab/metric-schema';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { http1Client } from './support/clients.js';
import { startLoad } from './support/load.js';
import { drainedStats, startSystem, type TestSystem, testConfig } from './support/system.js';

const W = 500;
const MAX_WAIT = 1000;
let redis: PrivateRedis;
let admin: Redis;
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
        WINDOW_MS: String(W),
        // Long bulks, so the worker is easily caught holding jobs.
        FOLD_BULK_WAIT_MS: '200',
        LOG_LEVEL: 'warn',
      },
    },
  );
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  system = await startSystem(
    testConfig(redis.url, { WINDOW_MS: String(W), WINDOW_MAX_WAIT_MS: String(MAX_WAIT) }),
  );
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  admin?.disconnect();
  await system?.close();
  await redis?.stop();
});

it('publishes a window at its maximum wait when its worker dies, and counts its batches late, once', async () => {
  const { services } = system;
  const arrivals: { window: Window; at: number }[] = [];
  const subscriber = new Redis(redis.url);
  subscriber.on('message', (_channel: string, json: string) =>
    arrivals.push({ window: JSON.parse(json) as Window, at: Date.now() }),
  );
  await subscriber.subscribe(services.keys.channel);
  const client = http1Client(system.urls.http1);
  const first = startWorkerProcess(system.config);
  const load = startLoad(client, { producers: 4, samplesPerBatch: 5, prefix: 'ww', pauseMs: 5 });
  await waitUntil(
    async () => (await services.stats()).aggregated >= 1000,
    60_000,
    () => `the first worker folding (${first.output()})`,
  );

  // Freeze the worker until it is caught holding jobs (a bulk in hand), then kill it.
  const pid = first.child.pid!;
  const active = `${services.keys.tag}:${system.config.queueName}:active`;
  let held: string[] = [];
  for (let attempt = 0; attempt < 500 && held.length === 0; attempt += 1) {
    process.kill(pid, 'SIGSTOP');
    held = await admin.lrange(active, 0, -1);
    if (held.length === 0) {
      process.kill(pid, 'SIGCONT');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  expect(held.length, 'the worker was never caught holding a job').toBeGreaterThan(0);
  const killedAt = Date.now();
  await first.kill();

  // No worker for 3 s: the windows still come, each at most MAX_WAIT after its end (plus the poll).
  await new Promise((r) => setTimeout(r, 3000));
  const waited = arrivals.filter(({ window }) => window.end > killedAt && window.end < killedAt + 2000);
  expect(waited.length).toBeGreaterThan(0);
  for (const { window, at } of waited) {
    expect(at - window.end, `window ${window.start}`).toBeGreaterThanOrEqual(MAX_WAIT - 50);
    expect(at - window.end, `window ${window.start}`).toBeLessThan(MAX_WAIT + 1500);
  }

  // Another worker: queued batches are folded at once, the dead worker's when its locks expire.
  startWorkerProcess(system.config);
  await new Promise((r) => setTimeout(r, 1000));
  await load.stop();
  const final = await drainedStats(services, 90_000);
  expect(final.accepted).toBe(load.acked());
  expect(final.aggregated).toBe(load.acked());
  expect(final.duplicates).toBe(0);
  await waitUntil(
    () => arrivals.reduce((sum, { window }) => sum + window.samples, 0) === load.acked(),
    15_000,
    () => `windows holding ${load.acked()} samples`,
  );
  const windows = arrivals.map(({ window }) => window);
  const starts = windows.map((w) => w.start);
  expect(new Set(starts).size).toBe(starts.length);
  for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBe(W);
  const late = windows.reduce((sum, w) => sum + (w.pipeline.late ?? 0), 0);
  expect(late).toBeGreaterThan(0);
  for (const w of windows) expect(w.pipeline.late ?? 0).toBeLessThanOrEqual(w.samples);
  const metrics = (await system.apps.http1.inject({ url: '/metrics' })).body;
  expect(metrics).toMatch(/ingest_windows_incomplete_total\{system="http-redis"\} [1-9]/);
  expect(metrics).toContain(`ingest_late_samples_total{system="http-redis"} ${late}`);
  expect(await services.queue.queue.getJobCounts('failed')).toMatchObject({ failed: 0 });
  subscriber.disconnect();
  await client.close();
}, 120_000);

// Redis full (maxmemory reached with noeviction): it still answers PING, but refuses writes. Ingest
// refuses cleanly with 503 + retry-after, /readyz turns 503 with the reason, and both recover.
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batch } from './support/batches.js';
import { http1Client } from './support/clients.js';
import { startSystem, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
let admin: Redis;
let system: TestSystem;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  system = await startSystem(testConfig(redis.url, { RETRY_AFTER_S: '1' }), { publish: false });
});
afterAll(async () => {
  admin?.disconnect();
  await system?.close();
  await redis?.stop();
});

it('refuses with 503 and turns /readyz to 503 while Redis refuses writes, then recovers', async () => {
  const client = http1Client(system.urls.http1);
  expect((await client.post('/ingest', JSON.stringify(batch('full', 0)))).status).toBe(202);
  expect((await client.get('/readyz')).status).toBe(200);

  await admin.config('SET', 'maxmemory', '1');
  const refused = await client.post('/ingest', JSON.stringify(batch('full', 1)));
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('1');
  const readyz = await client.get('/readyz');
  expect(readyz.status).toBe(503);
  expect(JSON.parse(readyz.body).reason).toMatch(/refuses writes/);

  await admin.config('SET', 'maxmemory', '0');
  expect((await client.post('/ingest', JSON.stringify(batch('full', 1)))).status).toBe(202);
  expect((await client.get('/readyz')).status).toBe(200);
  await system.services.rejections.flush();
  expect(await system.services.stats()).toMatchObject({ accepted: 2, rejected: 1 });
  await client.close();
});

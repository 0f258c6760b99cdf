// POST /ingest answers exactly as the contract says (through app.inject against a real Redis), and a
// refused request changes no counter but `rejected`.
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, sample } from './support/batches.js';
import { startSystem, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function post(
  system: TestSystem,
  body: string | object | undefined,
  headers: Record<string, string> = {},
) {
  const payload = typeof body === 'object' ? JSON.stringify(body) : body;
  return system.apps.http1.inject({
    method: 'POST',
    url: '/ingest',
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function stats(system: TestSystem) {
  await system.services.rejections.flush();
  return system.services.stats();
}

describe('POST /ingest', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem(testConfig(redis.url), { listen: false, publish: false });
  });
  afterAll(async () => system?.close());

  it('answers 202 with the sample count once the batch is in Redis, and a repeat as a duplicate', async () => {
    const first = await post(system, batch('p-a', 1, 3));
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 3, duplicate: false });
    const again = await post(system, batch('p-a', 1, 3));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ accepted: 3, duplicate: true });
    // Out of order is fine: only the exact pair is a repeat.
    expect((await post(system, batch('p-a', 0, 2))).json()).toEqual({ accepted: 2, duplicate: false });
    const s = await stats(system);
    expect(s).toMatchObject({
      system: 'http-redis',
      accepted: 5,
      duplicates: 1,
      producers: 1,
      queueDepth: 2,
    });
    // Three group commits, named by the jobs of this replica's span(s), each exactly once.
    await system.services.queue.endSpan();
    const jobs = await system.services.queue.queue.getJobs(['waiting']);
    expect(jobs.flatMap((job) => job.data.groups)).toHaveLength(3);
  });

  it('refuses every bad input with its 4xx and a reason, counting only `rejected`', async () => {
    const good = batch('p-bad', 1, 1);
    const s0 = good.samples[0]!;
    const cases: {
      name: string;
      status: number;
      body: string | object | undefined;
      headers?: Record<string, string>;
    }[] = [
      { name: 'missing producer', status: 400, body: { seq: 1, samples: [s0] } },
      { name: 'extra field', status: 400, body: { ...good, extra: 1 } },
      { name: 'extra sample field', status: 400, body: { ...good, samples: [{ ...s0, gpu: 1 }] } },
      { name: 'string number', status: 400, body: { ...good, samples: [{ ...s0, cpu: '37.5' }] } },
      { name: 'NaN', status: 400, body: JSON.stringify(good).replace('"cpu":', '"cpu":NaN,"x":') },
      { name: 'cpu over 100', status: 400, body: { ...good, samples: [{ ...s0, cpu: 100.5 }] } },
      { name: 'negative netIn', status: 400, body: { ...good, samples: [{ ...s0, netIn: -1 }] } },
      { name: 'fractional ts', status: 400, body: { ...good, samples: [{ ...s0, ts: 1.5 }] } },
      { name: 'negative seq', status: 400, body: { ...good, seq: -1 } },
      { name: 'bad producer name', status: 400, body: { ...good, producer: 'a b' } },
      { name: 'no samples', status: 400, body: { ...good, samples: [] } },
      {
        name: '1001 samples',
        status: 400,
        body: { ...good, samples: Array.from({ length: 1001 }, (_, i) => sample('h', i)) },
      },
      { name: 'an array', status: 400, body: '[]' },
      { name: '__proto__ key', status: 400, body: `{"__proto__":{"x":1},${JSON.stringify(good).slice(1)}` },
      { name: 'not JSON', status: 400, body: '{"producer":' },
      { name: 'empty body', status: 400, body: '' },
      { name: 'over 1 MiB', status: 413, body: `{"producer":"p","pad":"${'x'.repeat(MAX_PAYLOAD_BYTES)}"}` },
      { name: 'text/plain', status: 415, body: undefined, headers: { 'content-type': 'text/plain' } },
      { name: 'no content type', status: 415, body: undefined },
    ];
    const before = await stats(system);
    for (const c of cases) {
      const response =
        c.name === 'text/plain'
          ? await system.apps.http1.inject({
              method: 'POST',
              url: '/ingest',
              headers: c.headers,
              payload: JSON.stringify(good),
            })
          : await post(system, c.body, c.headers);
      expect(response.statusCode, c.name).toBe(c.status);
      const answer = response.json() as { error: string; details?: { path: string }[] };
      expect(typeof answer.error, c.name).toBe('string');
      expect(answer.error.length, c.name).toBeGreaterThan(5);
      if (c.status === 400 && !['not JSON', 'empty body', 'NaN'].includes(c.name)) {
        expect(answer.details?.length, c.name).toBeGreaterThan(0);
      }
    }
    const after = await stats(system);
    expect(after.rejected - before.rejected).toBe(cases.length);
    expect({ ...after, rejected: 0, uptimeMs: 0 }).toEqual({ ...before, rejected: 0, uptimeMs: 0 });
  });

  it('names the failing field with a JSON pointer', async () => {
    const bad = batch('p-path', 1, 2);
    (bad.samples[1] as { cpu: unknown }).cpu = 'high';
    const response = await post(system, bad);
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].path).toBe('/samples/1/cpu');
  });
});

describe('POST /ingest with INGEST_TOKEN set', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem(testConfig(redis.url, { INGEST_TOKEN: 's3cret' }), {
      listen: false,
      publish: false,
    });
  });
  afterAll(async () => system?.close());

  it('answers 401 without the token or with a wrong one, 202 with it', async () => {
    expect((await post(system, batch('p-t', 1))).statusCode).toBe(401);
    expect((await post(system, batch('p-t', 1), { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await post(system, batch('p-t', 1), { authorization: 's3cret' })).statusCode).toBe(401);
    const ok = await post(system, batch('p-t', 1), { authorization: 'Bearer s3cret' });
    expect(ok.statusCode).toBe(202);
    await waitUntil(
      async () => (await stats(system)).rejected === 3,
      5000,
      () => 'three refusals counted',
    );
    expect((await stats(system)).accepted).toBe(1);
  });
});

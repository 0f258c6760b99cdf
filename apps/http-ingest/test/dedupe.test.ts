// The compact repeat memory inside the admit script, against a real Redis on a test clock: exact
// repeats recognised, out of order and across the ten-minute horizon; a seq below what a producer's
// memory covers refused as too old (409 at the route, with a reason); memory that follows producers,
// not batches.
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import { ErrorCodes } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AdmittedBatch, IngestQueue, SEQ_TOO_OLD } from '../src/queue/ingest-queue.js';
import { createFailFastRedis } from '../src/redis/connections.js';
import { type Keys, keysFor } from '../src/redis/keys.js';
import { batch } from './support/batches.js';
import { startSystem, type TestSystem, testConfig } from './support/system.js';

const HORIZON = 600_000;
const T0 = 1_800_000_000_000;
let server: PrivateRedis;
let redis: Redis;
let keys: Keys;
let queue: IngestQueue;
let now = T0;

beforeAll(async () => {
  server = await startRedis();
  redis = createFailFastRedis(server.url, 5000, 'test');
  await new Promise((r) => redis.once('ready', r));
});
beforeEach(async () => {
  await queue?.close();
  keys = keysFor(`dd-${Math.random().toString(36).slice(2, 8)}`);
  queue = new IngestQueue({
    redis,
    keys,
    queueName: 'q',
    attempts: 1,
    windowMs: 1000,
    duplicateHorizonMs: HORIZON,
    jobSpanMs: 0,
    clock: () => now,
  });
  now = T0;
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await server?.stop();
});

function admitted(producer: string, seq: number, samples = 1): AdmittedBatch {
  return { producer, seq, samples, json: JSON.stringify(batch(producer, seq, samples)) };
}

/** Admits (producer, seq) pairs as one group at the test clock; one result per pair. */
async function admit(...pairs: [string, number][]): Promise<number[]> {
  return queue.commit(pairs.map(([producer, seq]) => admitted(producer, seq, 2)));
}

describe('repeats', () => {
  it('recognises exact repeats, out of order, within a group and across groups', async () => {
    expect(await admit(['p', 5], ['p', 3], ['p', 900], ['q', 5])).toEqual([2, 2, 2, 2]);
    expect(await admit(['p', 4], ['p', 3], ['p', 900], ['p', 4], ['q', 6])).toEqual([2, -2, -2, -2, 2]);
    // A seq far above, then far below, the ones seen: both new (only the exact pair is a repeat).
    expect(await admit(['p', 9_007_199_254_740_000], ['p', 0])).toEqual([2, 2]);
    expect(await admit(['p', 9_007_199_254_740_000], ['p', 0], ['p', 1])).toEqual([-2, -2, 2]);
    expect(await redis.mget(keys.accepted, keys.duplicates, keys.pending)).toEqual(['18', '5', '9']);
    expect(await redis.scard(keys.producers)).toBe(2);
  });

  it('remembers a pair for the whole horizon, even while the producer moves on', async () => {
    expect(await admit(['p', 10])).toEqual([2]);
    // Nine minutes later the producer is many pages further on; seq 10 is still known.
    now = T0 + 9 * 60_000;
    for (let seq = 512; seq < 4096; seq += 512) expect(await admit(['p', seq])).toEqual([2]);
    now = T0 + HORIZON - 1;
    expect(await admit(['p', 10], ['p', 11])).toEqual([-2, 2]);
    expect(await redis.pttl(keys.dedupe('p'))).toBeGreaterThan(HORIZON - 60_000);
  });

  it('refuses a seq below the floor as too old, once a later page went unused for the horizon', async () => {
    expect(await admit(['p', 10], ['p', 700])).toEqual([2, 2]);
    now = T0 + HORIZON + 1;
    // Starting a new page forgets the pages at the bottom last written before the horizon.
    expect(await admit(['p', 5000])).toEqual([2]);
    // Pages 0 and 1 are forgotten (floor 2): seqs below 1024 are too old, whether they came before
    // or never; seqs between the floor and the newest page were never seen and are still new.
    expect(await admit(['p', 10], ['p', 11], ['p', 700], ['p', 1024], ['p', 4999], ['p', 5000])).toEqual([
      SEQ_TOO_OLD,
      SEQ_TOO_OLD,
      SEQ_TOO_OLD,
      2,
      2,
      -2,
    ]);
    // Refusals change no counter here (the route counts them as rejected).
    expect(await redis.mget(keys.accepted, keys.duplicates)).toEqual(['10', '1']);
    expect(await redis.hget(keys.dedupe('p'), 'f')).toBe('2');
  });

  it('forgets a producer silent for the horizon as a whole (the hash expires)', async () => {
    await admit(['gone', 1]);
    const ttl = await redis.pttl(keys.dedupe('gone'));
    expect(ttl).toBeGreaterThan(HORIZON - 60_000);
    expect(ttl).toBeLessThanOrEqual(HORIZON);
  });
});

describe('memory', () => {
  it('costs per producer, not per batch: 100 producers × 1,600 batches at 1/s fit in a few hundred bytes each', async () => {
    const producers = 100;
    // Eight seconds of the fleet per commit (the clock at the last of them), to keep the test short.
    for (let second = 0; second < 1600; second += 8) {
      now = T0 + (second + 7) * 1000;
      const batches: AdmittedBatch[] = [];
      for (let seq = second; seq < second + 8; seq += 1) {
        for (let p = 0; p < producers; p += 1)
          batches.push({ producer: `m-${p}`, seq, samples: 1, json: '{}' });
      }
      await queue.commit(batches);
    }
    const sizes = await Promise.all(
      Array.from({ length: producers }, async (_, p) =>
        Number(await redis.memory('USAGE', keys.dedupe(`m-${p}`))),
      ),
    );
    const mean = sizes.reduce((a, b) => a + b, 0) / producers;
    // 1,600 s at 1 batch/s: page 0 (last written at 511 s) was forgotten when page 3 began (1,536 s);
    // pages 1 to 3 stay, 64 bytes of bits each. The old design kept a key per batch: ~130 B × 900.
    expect(Math.max(...sizes)).toBeLessThan(600);
    expect(await redis.hget(keys.dedupe('m-0'), 'f')).toBe('1');
    expect(mean).toBeLessThan(500);
  }, 60_000);
});

describe('at the route', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem(testConfig(server.url), { listen: false, publish: false });
  });
  afterAll(async () => system?.close());

  it('answers 409 ERR_TOO_OLD with the reason, takes nothing and counts a refusal', async () => {
    // The producer's memory says pages below 3 (seqs below 1536) are forgotten.
    await redis.hset(system.services.keys.dedupe('old-prod'), 'f', '3');
    const post = (seq: number) =>
      system.apps.http1.inject({
        method: 'POST',
        url: '/ingest',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(batch('old-prod', seq, 2)),
      });
    const refused = await post(1000);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: ErrorCodes.tooOld });
    expect(refused.json().error).toMatch(/too old|longer ago than the duplicate horizon/);
    expect((await post(1536)).json()).toEqual({ accepted: 2, duplicate: false });
    await system.services.rejections.flush();
    expect(await system.services.stats()).toMatchObject({ accepted: 2, rejected: 1, duplicates: 0 });
    const metrics = await system.apps.http1.inject({ url: '/metrics' });
    expect(metrics.body).toContain('ingest_rejected_batches_total{reason="too-old",system="http-redis"} 1');
  });
});

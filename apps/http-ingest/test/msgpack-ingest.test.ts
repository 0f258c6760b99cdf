// POST /ingest with `content-type: application/vnd.msgpack`: the same answers as JSON (202, duplicate,
// 400 with the schema's reasons), bad bytes refused and counted as `not-msgpack` with nothing else
// changed, and MessagePack producers over real HTTP/1.1 and h2c reconcile: acked = accepted =
// aggregated, and the published window equals the offline aggregate of the samples sent.
import { aggregateOffline } from '@ingestlab/aggregation';
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import { encodeMsgpack, type Sample, type Window } from '@ingestlab/metric-schema';
import { createTransport } from '@ingestlab/producers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FoldWorker } from '../src/worker/fold-worker.js';
import { batch, sample } from './support/batches.js';
import { drainedStats, startSystem, startWorker, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const MSGPACK = { 'content-type': 'application/vnd.msgpack' };

function postBytes(system: TestSystem, bytes: Uint8Array, headers: Record<string, string> = MSGPACK) {
  return system.apps.http1.inject({ method: 'POST', url: '/ingest', headers, payload: Buffer.from(bytes) });
}

async function rejectedBy(system: TestSystem, reason: string): Promise<number> {
  const metrics = (await system.apps.http1.inject({ url: '/metrics' })).body;
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('ingest_rejected_batches_total{') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('POST /ingest in MessagePack', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem(testConfig(redis.url), { listen: false, publish: false });
  });
  afterAll(async () => system?.close());

  it('answers as for JSON: 202 with the count, a repeat as a duplicate, under both content types', async () => {
    const first = await postBytes(system, encodeMsgpack(batch('mp-a', 1, 3)));
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 3, duplicate: false });
    const again = await postBytes(system, encodeMsgpack(batch('mp-a', 1, 3)), {
      'content-type': 'application/msgpack',
    });
    expect(again.json()).toEqual({ accepted: 3, duplicate: true });
    // a JSON repeat of a MessagePack batch is the same (producer, seq): a duplicate too
    const json = await system.apps.http1.inject({
      method: 'POST',
      url: '/ingest',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(batch('mp-a', 1, 3)),
    });
    expect(json.json()).toEqual({ accepted: 3, duplicate: true });
    expect(await system.services.stats()).toMatchObject({ accepted: 3, duplicates: 2, rejected: 0 });
  });

  it('refuses bad bytes (ERR_NOT_MSGPACK) and non-batches (the schema reasons JSON gets), counting each once', async () => {
    const good = batch('mp-bad', 1, 2);
    const bytes = encodeMsgpack(good);
    const notMsgpack: [string, Uint8Array][] = [
      ['truncated', bytes.subarray(0, bytes.length - 3)],
      ['trailing bytes', Uint8Array.from([...bytes, 0xc0])],
      ['never-used byte 0xc1', Uint8Array.of(0xc1)],
      ['extension type', Uint8Array.of(0xd4, 0x01, 0x00)],
      ['array of 2^32-1 items', Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)],
      ['empty body', new Uint8Array(0)],
    ];
    const invalid: [string, unknown][] = [
      ['missing producer', { seq: 1, samples: good.samples }],
      ['string cpu', { ...good, samples: [{ ...good.samples[0], cpu: '37.5' }] }],
      ['a number', 42],
    ];
    const before = await system.services.stats();
    const notMsgpackBefore = await rejectedBy(system, 'not-msgpack');
    const invalidBefore = await rejectedBy(system, 'invalid');
    for (const [name, body] of notMsgpack) {
      const answer = await postBytes(system, body);
      expect(answer.statusCode, name).toBe(400);
      expect(answer.json().code, name).toBe('ERR_NOT_MSGPACK');
      expect(answer.json().error, name).toMatch(/MessagePack/);
    }
    for (const [name, value] of invalid) {
      const answer = await postBytes(system, encodeMsgpack(value));
      expect(answer.statusCode, name).toBe(400);
      const asJson = await system.apps.http1.inject({
        method: 'POST',
        url: '/ingest',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(value),
      });
      // the same reason and details as the same value in JSON
      expect(answer.json(), name).toEqual(asJson.json());
      expect(answer.json().code, name).toBe('ERR_INVALID_BATCH');
    }
    await system.services.rejections.flush();
    const after = await system.services.stats();
    expect(after.rejected - before.rejected).toBe(notMsgpack.length + 2 * invalid.length);
    expect(await rejectedBy(system, 'not-msgpack')).toBe(notMsgpackBefore + notMsgpack.length);
    expect(await rejectedBy(system, 'invalid')).toBe(invalidBefore + 2 * invalid.length);
    expect({ ...after, rejected: 0, uptimeMs: 0 }).toEqual({ ...before, rejected: 0, uptimeMs: 0 });
    // and the system still takes the good batch
    expect((await postBytes(system, bytes)).statusCode).toBe(202);
  });
});

describe('MessagePack producers over real sockets', () => {
  const WINDOW_MS = 3000;
  let system: TestSystem;
  let worker: FoldWorker;
  beforeAll(async () => {
    system = await startSystem(testConfig(redis.url, { WINDOW_MS: String(WINDOW_MS) }));
    worker = startWorker(system.config);
  });
  afterAll(async () => {
    await worker?.close();
    await system?.close();
  });

  it('reconcile: acked = accepted = aggregated, and the window equals the offline aggregate', {
    timeout: 60_000,
  }, async () => {
    // start just after a window boundary, so every batch most likely folds into one window
    await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 20));
    const sent: Sample[] = [];
    let acked = 0;
    await Promise.all(
      (['http1', 'h2c'] as const).map(async (target) => {
        const transport = createTransport(target, { url: system.urls[target], encoding: 'msgpack' });
        try {
          const now = Date.now();
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, seq) => {
              const samples = Array.from({ length: 1 + (seq % 7) }, (_, i) =>
                sample(`${target}-h${i}`, seq * 7 + i, now),
              );
              sent.push(...samples);
              return transport.send({ producer: `mp-${target}`, seq, samples });
            }),
          );
          for (const result of results) {
            expect(result.status).toBe('acknowledged');
            if (result.status === 'acknowledged') acked += result.accepted;
          }
        } finally {
          await transport.close();
        }
      }),
    );
    expect(acked).toBe(sent.length);
    const stats = await drainedStats(system.services, 20_000);
    expect(stats).toMatchObject({ accepted: acked, aggregated: acked, rejected: 0, duplicates: 0 });
    let windows: Window[] = [];
    await waitUntil(
      async () => {
        windows = (await system.services.store.history(50)).filter((w) => w.samples > 0);
        return windows.reduce((sum, w) => sum + w.samples, 0) === acked;
      },
      20_000,
      () => `published windows holding ${acked} samples`,
    );
    if (windows.length !== 1) {
      console.warn(`run straddled a window boundary (${windows.length} windows): compared totals only`);
      return;
    }
    const served = windows[0]!;
    const offline = aggregateOffline(sent, served.start, WINDOW_MS, {
      publishedAt: Date.now(),
      queueDepth: 0,
    });
    const { pipeline: servedPipeline, ...servedStats } = served;
    const { pipeline: offlinePipeline, ...offlineStats } = offline;
    expect(servedStats).toEqual(offlineStats);
    expect(servedPipeline.accepted).toBe(offlinePipeline.accepted);
  });
});

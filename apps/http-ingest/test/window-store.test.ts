// The Redis window scripts against a real Redis, on a test clock: a bulk fold counts each group once
// however often its jobs run (and leaves out groups another run folded), a window closes only when
// complete or at its maximum wait, exactly once, late folds land in the next window counted as late,
// and the result equals the offline math.
import { aggregateOffline } from '@ingestlab/aggregation';
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import type { Sample } from '@ingestlab/metric-schema';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestQueue } from '../src/queue/ingest-queue.js';
import { createFailFastRedis } from '../src/redis/connections.js';
import { type Keys, keysFor } from '../src/redis/keys.js';
import { BulkFolder } from '../src/windows/bulk-fold.js';
import { type ClosedAggregate, closeAggregate, WindowStore } from '../src/windows/window-store.js';
import { batch } from './support/batches.js';

const W = 1000;
const MAX_WAIT = 2000;
let server: PrivateRedis;
let redis: Redis;
let keys: Keys;
let queue: IngestQueue;
let store: WindowStore;
let folder: BulkFolder;
/** The test clock every script reads (ms). */
let now = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = createFailFastRedis(server.url, 5000, 'test');
  await new Promise((r) => redis.once('ready', r));
});
beforeEach(async () => {
  await queue?.close();
  keys = keysFor(`ws-test-${Math.random().toString(36).slice(2, 8)}`);
  queue = new IngestQueue({
    redis,
    keys,
    queueName: 'q',
    attempts: 1,
    windowMs: W,
    duplicateHorizonMs: 600_000,
    jobSpanMs: 0,
    clock: () => now,
  });
  store = new WindowStore(redis, keys, W);
  folder = new BulkFolder(store);
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await server?.stop();
});

/** Admits the batches as one group at the test clock; returns the group's id (its job is removed). */
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
  return job!.data.groups[0]!;
}

async function closed(start: number): Promise<ClosedAggregate> {
  const outcome = await store.close(start, MAX_WAIT, now);
  if (outcome.kind !== 'closed') throw new Error(`window ${start} not closed: ${JSON.stringify(outcome)}`);
  return outcome.aggregate;
}

describe('bulk fold', () => {
  it('folds many groups once, in one step, to the same window as the offline reference', async () => {
    now = 5_000_100;
    const batches = [
      batch('fa', 1, 30),
      batch('fb', 2, 25),
      { ...batch('fc', 3, 1), samples: [{ ...batch('fc', 3, 1).samples[0]!, host: '__proto__', cpu: 99.5 }] },
      batch('fd', 4, 7),
    ];
    const groups = [
      await admit(batches.slice(0, 2)),
      await admit(batches.slice(2, 3)),
      await admit(batches.slice(3)),
    ];
    now = 5_000_900;
    const outcomes = await folder.fold(groups, now);
    expect(outcomes).toEqual([
      { kind: 'folded', start: 5_000_000, samples: 55, late: false },
      { kind: 'folded', start: 5_000_000, samples: 1, late: false },
      { kind: 'folded', start: 5_000_000, samples: 7, late: false },
    ]);
    // The same jobs run again (a retry, or a stalled job given to another worker) find nothing.
    expect(await folder.fold(groups, now)).toEqual([{ kind: 'empty' }, { kind: 'empty' }, { kind: 'empty' }]);
    now = 5_001_000;
    const aggregate = await closed(5_000_000);
    expect(aggregate).toMatchObject({ complete: true, late: 0, rejected: 0 });
    expect((await store.close(5_000_000, MAX_WAIT, now)).kind).toBe('closed-already');
    const window = closeAggregate(aggregate, { publishedAt: 5_001_200, queueDepth: 0 });
    const samples: Sample[] = batches.flatMap((b) => b.samples);
    const reference = aggregateOffline(samples, 5_000_000, W, {
      publishedAt: 5_001_200,
      queueDepth: 0,
      late: 0,
    });
    expect(window).toEqual(reference);
    // `__proto__` is a valid host name and stays an ordinary host.
    expect(window.hosts).toBe(28);
    expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending, keys.jobsFolded)).toEqual([
      '63',
      '63',
      '0',
      '3',
    ]);
  });

  it('leaves out a group another run folded meanwhile, and counts the rest once', async () => {
    now = 7_000_100;
    const a = await admit([batch('ra', 1, 3)]);
    const b = await admit([batch('rb', 1, 4)]);
    // Another worker (a stalled job's second run) folds `a` alone first.
    expect(await folder.fold([a], now)).toEqual([
      { kind: 'folded', start: 7_000_000, samples: 3, late: false },
    ]);
    // This bulk read both payloads before; the script refuses it whole, then folds `b` alone.
    const [payloadA, payloadB] = await store.readGroups([a, b]);
    expect(payloadA).toEqual([]);
    expect(payloadB!.length).toBe(2);
    const reply = await store.foldScript(
      [
        { id: a, admitWindow: 7_000_000, target: 7_000_000, samples: 3 },
        { id: b, admitWindow: 7_000_000, target: 7_000_000, samples: 4 },
      ],
      [],
      now,
    );
    expect(reply).toEqual({ kind: 'already-folded', groups: [0] });
    expect(await folder.fold([a, b], now)).toEqual([
      { kind: 'empty' },
      { kind: 'folded', start: 7_000_000, samples: 4, late: false },
    ]);
    now = 7_001_000;
    expect((await closed(7_000_000)).partial.samples).toBe(7);
    expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending)).toEqual(['7', '7', '0']);
  });

  it('folds a group named twice in one bulk (two jobs for it) once', async () => {
    now = 8_000_100;
    const a = await admit([batch('da', 1, 3)]);
    const b = await admit([batch('db', 1, 4)]);
    expect(await folder.fold([a, b, a], now)).toEqual([
      { kind: 'folded', start: 8_000_000, samples: 3, late: false },
      { kind: 'folded', start: 8_000_000, samples: 4, late: false },
      { kind: 'already-folded' },
    ]);
    now = 8_001_000;
    expect((await closed(8_000_000)).partial.samples).toBe(7);
    expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending)).toEqual(['7', '7', '0']);
  });
});

describe('closing by watermark', () => {
  it('closes a window only once it has ended and every batch admitted in it is folded', async () => {
    now = 9_000_200;
    const first = await admit([batch('wa', 1, 2)]);
    const second = await admit([batch('wb', 1, 5)]);
    await folder.fold([first], now);
    // Still open: it cannot close yet, whatever its counts.
    expect(await store.close(9_000_000, MAX_WAIT, now)).toEqual({
      kind: 'not-yet',
      admitted: 2,
      folded: 1,
      retryInMs: 800,
    });
    now = 9_001_050;
    // Ended, one batch still queued: it waits, at most until end + MAX_WAIT.
    expect(await store.close(9_000_000, MAX_WAIT, now)).toEqual({
      kind: 'not-yet',
      admitted: 2,
      folded: 1,
      retryInMs: 1950,
    });
    await folder.fold([second], now);
    const aggregate = await closed(9_000_000);
    expect(aggregate).toMatchObject({ complete: true, late: 0, closedAt: 9_001_050 });
    expect(aggregate.partial.samples).toBe(7);
  });

  it('announces the window a late-arriving fold completes', async () => {
    const subscriber = new Redis(server.url);
    const notices: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => notices.push(message));
    await subscriber.subscribe(keys.notices);
    try {
      now = 11_000_500;
      const group = await admit([batch('na', 1, 1)]);
      const other = await admit([batch('nb', 1, 1)]);
      await folder.fold([group], 11_000_600); // before the end: no notice
      await folder.fold([other], 11_001_010); // the fold that completes the ended window
      await new Promise((r) => setTimeout(r, 100));
      expect(notices).toEqual(['11000000']);
    } finally {
      subscriber.disconnect();
    }
  });

  it('publishes a window at its maximum wait; its later folds land in the next open window, counted as late', async () => {
    now = 13_000_300;
    const stuck = await admit([batch('la', 1, 6)]);
    now = 13_001_400;
    const next = await admit([batch('lb', 1, 2)]);
    // The stuck job's worker died: at end + MAX_WAIT the window is published anyway, incomplete.
    now = 13_003_000;
    const forced = await closed(13_000_000);
    expect(forced).toMatchObject({ complete: false, late: 0 });
    expect(forced.partial.samples).toBe(0);
    // An admission now (a replica whose clock lags) sees the fence and goes into a later window.
    const lagging = new IngestQueue({
      redis,
      keys,
      queueName: 'q',
      attempts: 1,
      windowMs: W,
      duplicateHorizonMs: 600_000,
      jobSpanMs: 0,
      clock: () => 13_000_900,
    });
    await lagging.commit([{ producer: 'lc', seq: 1, samples: 1, json: JSON.stringify(batch('lc', 1, 1)) }]);
    expect(await redis.hget(keys.windowHash(13_001_000), 'a')).toBe('2');
    await lagging.close();
    // The stuck group, run again by another worker, goes into the next open window as late.
    expect(await folder.fold([stuck, next], now)).toEqual([
      { kind: 'folded', start: 13_001_000, samples: 6, late: true },
      { kind: 'folded', start: 13_001_000, samples: 2, late: false },
    ]);
    const [job] = await queue.queue.getJobs(['waiting'], 0, 0, false);
    expect(await folder.fold(job!.data.groups, now)).toEqual([
      { kind: 'folded', start: 13_001_000, samples: 1, late: false },
    ]);
    const following = await closed(13_001_000);
    expect(following).toMatchObject({ complete: true, late: 6 });
    expect(following.partial.samples).toBe(9);
    const window = closeAggregate(following, { publishedAt: now, queueDepth: 0 });
    expect(window.pipeline).toMatchObject({ accepted: 9, late: 6 });
    expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending)).toEqual(['9', '9', '0']);
  });
});

// One BullMQ job per span of group commits, against a real Redis: a job names every group of its
// span, exactly once; with JOB_SPAN_MS=0 every group has its own; and the groups of a replica that
// died before adding their job are swept into a job by another replica and folded once.
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AdmittedBatch, IngestQueue } from '../src/queue/ingest-queue.js';
import { createFailFastRedis } from '../src/redis/connections.js';
import { type Keys, keysFor } from '../src/redis/keys.js';
import { BulkFolder } from '../src/windows/bulk-fold.js';
import { WindowStore } from '../src/windows/window-store.js';
import { batch } from './support/batches.js';

let server: PrivateRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = createFailFastRedis(server.url, 5000, 'test');
  await new Promise((r) => redis.once('ready', r));
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function replica(keys: Keys, jobSpanMs: number): IngestQueue {
  return new IngestQueue({
    redis,
    keys,
    queueName: 'q',
    attempts: 1,
    windowMs: 1000,
    duplicateHorizonMs: 600_000,
    jobSpanMs,
  });
}

function admitted(producer: string, seq: number): AdmittedBatch {
  return { producer, seq, samples: 2, json: JSON.stringify(batch(producer, seq, 2)) };
}

async function jobGroups(queue: IngestQueue): Promise<string[][]> {
  const jobs = await queue.queue.getJobs(['waiting']);
  return jobs.map((job) => job.data.groups);
}

it('names every group of a span in one job, and every group once', async () => {
  const keys = keysFor('span-a');
  const queue = replica(keys, 60_000);
  await Promise.all(Array.from({ length: 5 }, (_, seq) => queue.commit([admitted('sa', seq)])));
  expect(await jobGroups(queue)).toEqual([]);
  expect(await redis.zcard(keys.unjobbed)).toBe(5);
  await queue.endSpan();
  const groups = await jobGroups(queue);
  expect(groups).toHaveLength(1);
  expect(groups[0]).toHaveLength(5);
  expect(await redis.zcard(keys.unjobbed)).toBe(0);
  await queue.close();

  const perGroup = replica(keysFor('span-b'), 0);
  await Promise.all(Array.from({ length: 5 }, (_, seq) => perGroup.commit([admitted('sb', seq)])));
  expect((await jobGroups(perGroup)).map((g) => g.length)).toEqual([1, 1, 1, 1, 1]);
  await perGroup.close();
});

it("sweeps a dead replica's groups into a job another replica adds, and folds them once", async () => {
  const keys = keysFor('span-c');
  // This replica commits, then "dies" before its span ends (its job never sent).
  const dead = replica(keys, 60_000);
  await dead.commit([admitted('sc', 1), admitted('sc', 2)]);
  const survivor = replica(keys, 20);
  expect(await survivor.sweep()).toBe(0); // too young to be an orphan
  await waitUntil(
    async () => (await survivor.sweep()) === 1,
    10_000,
    () => 'the orphan swept',
  );
  const [swept] = await jobGroups(survivor);
  expect(swept).toHaveLength(1);
  const folder = new BulkFolder(new WindowStore(redis, keys, 1000));
  expect((await folder.fold(swept!))[0]).toMatchObject({ kind: 'folded', samples: 4 });
  // The dead replica's own job, had it come after all, finds the group folded.
  await dead.endSpan();
  const all = await jobGroups(survivor);
  expect(all.flat().filter((g) => g === swept![0])).toHaveLength(2);
  expect(await folder.fold(swept!)).toEqual([{ kind: 'empty' }]);
  expect(await redis.mget(keys.accepted, keys.aggregated, keys.pending)).toEqual(['4', '4', '0']);
  await dead.close();
  await survivor.close();
});

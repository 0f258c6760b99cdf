// The bulk taker against a real Redis and a real BullMQ worker, when BullMQ's blocking fetch never
// comes back (as after a Redis Cluster failover, where it was seen to hang for over a minute): the
// taker stops trusting it after blockLimitMs, takes the waiting jobs by looking at the wait list, and
// a job that late fetch brings back still joins a later bulk.
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BulkTaker } from '../src/worker/bulk-taker.js';

let server: PrivateRedis;
let queue: Queue;
let worker: Worker;

beforeAll(async () => {
  server = await startRedis();
  const connection = new Redis(server.url, { maxRetriesPerRequest: null });
  queue = new Queue('stuck', { connection, prefix: '{bt}' });
  worker = new Worker('stuck', null, { connection, prefix: '{bt}', drainDelay: 1 });
});
afterAll(async () => {
  await worker?.close(true);
  await queue?.close();
  await server?.stop();
});

it('takes the waiting jobs when the blocking fetch never comes back, and keeps what it brings late', async () => {
  // The blocking fetch hangs until released; non-blocking fetches work as usual.
  let release: (job: Job | undefined) => void = () => {};
  const getNextJob = worker.getNextJob.bind(worker);
  let blockingCalls = 0;
  worker.getNextJob = (token, options) => {
    if (options?.block === false) return getNextJob(token, options);
    blockingCalls += 1;
    return new Promise<Job | undefined>((resolve) => {
      release = resolve;
    });
  };
  const stuck: string[] = [];
  const taker = new BulkTaker<unknown, unknown>(worker, {
    maxJobs: 10,
    maxWaitMs: 20,
    closing: () => false,
    blockLimitMs: 300,
    pollMs: 50,
    onBlockingStuck: () => stuck.push('stuck'),
  });

  await queue.addBulk([1, 2, 3].map((n) => ({ name: 'j', data: { n } })));
  const first = await taker.take();
  expect(stuck).toEqual(['stuck']);
  expect(first.map((job) => job.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  taker.complete(first, [null, null, null]);

  // While the fetch is still out, an idle taker polls: no second blocking call, and a new job is taken.
  await queue.add('j', { n: 4 });
  let next: Job[] = [];
  for (let i = 0; i < 20 && next.length === 0; i += 1) next = await taker.take();
  expect(next.map((job) => job.data)).toEqual([{ n: 4 }]);
  expect(blockingCalls).toBe(1);
  taker.complete(next, [null]);

  // The hung fetch finally brings a job (locked for this worker): it joins the next bulk.
  await queue.add('j', { n: 5 });
  const late = await getNextJob('late-token', { block: false });
  release(late);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const withLate = await taker.take();
  expect(withLate.map((job) => job.data)).toEqual([{ n: 5 }]);
  taker.complete(withLate, [null]);
  await taker.flush();
  expect(await queue.getJobCounts('wait', 'active', 'completed')).toEqual({
    wait: 0,
    active: 0,
    completed: 5,
  });
});

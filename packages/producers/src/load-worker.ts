// Worker-thread entry for runLoad with several workers: runs one shard, posts progress snapshots
// and, at the end, its summary. The main thread stops it with a `stop` message.
import { parentPort, workerData } from 'node:worker_threads';
import { type ShardSpec, startShard } from './shard.js';

export type ToWorker = { type: 'stop' };
export type FromWorker =
  | { type: 'progress'; snapshot: ReturnType<ReturnType<typeof startShard>['snapshot']> }
  | { type: 'done'; summary: Awaited<ReturnType<typeof startShard>['done']> }
  | { type: 'failed'; error: string };

const port = parentPort;
if (!port) throw new Error('load-worker must run in a worker thread');
const spec = workerData as ShardSpec & { progressIntervalMs: number };
const shard = startShard(spec);
const post = (message: FromWorker) => port.postMessage(message);
const progress = setInterval(
  () => post({ type: 'progress', snapshot: shard.snapshot() }),
  spec.progressIntervalMs,
);
port.on('message', (message: ToWorker) => {
  if (message.type === 'stop') shard.stop();
});
shard.done.then(
  (summary) => {
    clearInterval(progress);
    post({ type: 'done', summary });
    port.close();
  },
  (error: unknown) => {
    clearInterval(progress);
    post({ type: 'failed', error: (error as Error).stack ?? String(error) });
    port.close();
  },
);

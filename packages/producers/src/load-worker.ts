// Worker-thread entry for runLoad with several workers: builds one shard, says it is ready, begins
// when told (all threads share one start time), posts progress snapshots, says when its sending has
// stopped and, at the end, posts its summary. The main thread stops it with a `stop` message.
import { parentPort, workerData } from 'node:worker_threads';
import { type ShardSnapshot, type ShardSpec, startShard } from './shard.js';
import type { LoadSummary } from './summary.js';

export type ToWorker = { type: 'begin'; startEpoch: number } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; snapshot: ShardSnapshot }
  | { type: 'stopped' }
  | { type: 'done'; summary: LoadSummary }
  | { type: 'failed'; error: string };

const port = parentPort;
if (!port) throw new Error('load-worker must run in a worker thread');
const { spec, progressIntervalMs } = workerData as { spec: ShardSpec; progressIntervalMs: number };
const post = (message: FromWorker) => port.postMessage(message);
const shard = startShard(spec);
const progress = setInterval(
  () => post({ type: 'progress', snapshot: shard.snapshot() }),
  progressIntervalMs,
);
port.on('message', (message: ToWorker) => {
  if (message.type === 'begin') shard.begin(message.startEpoch);
  else if (message.type === 'stop') shard.stop();
});
void shard.sendingStopped.then(() => post({ type: 'stopped' }));
shard.done.then(
  (summary) => {
    clearInterval(progress);
    post({ type: 'progress', snapshot: shard.snapshot() });
    post({ type: 'done', summary });
    port.close();
  },
  (error: unknown) => {
    clearInterval(progress);
    post({ type: 'failed', error: (error as Error).stack ?? String(error) });
    port.close();
  },
);
post({ type: 'ready' });

// Repeat-memory benchmark (not a test): Redis bytes spent recognising repeats at steady state under a
// fleet, on a simulated clock so 15 minutes take about a minute. It admits, through the real admit
// script, one batch per producer per simulated second, then sums MEMORY USAGE over every producer's
// repeat memory and the producers set. `--per-batch-keys` measures the design it replaced instead:
// one `SET seen:{producer}:{seq} n NX EX 900` key per admitted batch, as the old admit script wrote.
// Usage: pnpm --filter @ingestlab/http-ingest bench:dedupe [-- --producers 10000 --minutes 15]
import { parseArgs } from 'node:util';
import { scriptArgs, startRedis } from '@ingestlab/devkit';
import { DUPLICATE_HORIZON_MS } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import { type AdmittedBatch, IngestQueue } from '../src/queue/ingest-queue.js';
import { createFailFastRedis } from '../src/redis/connections.js';
import { keysFor } from '../src/redis/keys.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    producers: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '15' },
    'per-commit': { type: 'string', default: '2000' },
    'per-batch-keys': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: tsx --conditions=source bench/dedupe-memory.bench.ts [--producers 10000] [--minutes 15] [--per-commit 2000]
Simulates --producers producers each sending one batch a second for --minutes (seq 0, 1, 2, ...) on a
test clock through admit.lua (duplicate horizon ${DUPLICATE_HORIZON_MS / 60_000} minutes), --per-commit batches per
group commit, against a private Redis; prints the repeat memory's bytes (MEMORY USAGE summed), per
producer, as the simulated time goes by. --per-batch-keys: the replaced design (a 15-minute key per
batch), run for --minutes (1 is enough: every key lives 900 s, so steady state is 900 s of keys) and
extrapolated from Redis's used_memory.`);
  process.exit(0);
}
const producers = Number(values.producers);
const seconds = Number(values.minutes) * 60;
const perCommit = Number(values['per-commit']);
const T0 = Date.now();

async function dedupeBytes(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(found.map((key) => redis.memory('USAGE', key)));
    keys += found.length;
    for (const size of sizes) bytes += Number(size ?? 0);
  } while (cursor !== '0');
  return { keys, bytes };
}

/** The replaced design: a key per batch, alive 15 minutes; bytes per key from used_memory. */
async function perBatchKeys(redis: Redis): Promise<void> {
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const before = await used();
  for (let second = 0; second < seconds; second += 1) {
    for (let p = 0; p < producers; p += perCommit) {
      const pipeline = redis.pipeline();
      for (let i = p; i < Math.min(p + perCommit, producers); i += 1) {
        pipeline.set(`dedupe-bench:s1:seen:host-${String(i).padStart(5, '0')}:${second}`, 1, 'EX', 900, 'NX');
      }
      await pipeline.exec();
    }
  }
  const perKey = ((await used()) - before) / (producers * seconds);
  console.log(
    `per-batch keys: ${producers * seconds} keys, ${perKey.toFixed(0)} B each (used_memory); at steady state (${producers} batches/s × 900 s) ${((perKey * producers * 900) / 1e9).toFixed(2)} GB`,
  );
}

const server = await startRedis();
const redis = createFailFastRedis(server.url, 60_000, 'bench');
try {
  await new Promise((r) => redis.once('ready', r));
  if (values['per-batch-keys']) await perBatchKeys(redis);
  else await compactMemory(redis);
} finally {
  redis.disconnect();
  await server.stop();
}

/** The repeat memory as built now, from 0 to --minutes on the simulated clock. */
async function compactMemory(redis: Redis): Promise<void> {
  const keys = keysFor('dedupe-bench');
  let now = T0;
  const queue = new IngestQueue({
    redis,
    keys,
    queueName: 'q',
    attempts: 1,
    windowMs: 1000,
    duplicateHorizonMs: DUPLICATE_HORIZON_MS,
    jobSpanMs: 0,
    clock: () => now,
  });
  const started = performance.now();
  console.log(
    `dedupe-memory.bench: ${producers} producers × 1 batch/s for ${seconds / 60} simulated minutes (horizon ${DUPLICATE_HORIZON_MS / 60_000} min)`,
  );
  let pending: AdmittedBatch[] = [];
  for (let second = 0; second < seconds; second += 1) {
    now = T0 + second * 1000;
    for (let p = 0; p < producers; p += 1) {
      pending.push({ producer: `host-${String(p).padStart(5, '0')}`, seq: second, samples: 1, json: '{}' });
      if (pending.length === perCommit) {
        await queue.commit(pending);
        pending = [];
      }
    }
    // The queue's own keys are not what is measured: drop the groups and jobs as a worker would.
    if (second % 10 === 9 || second === seconds - 1) {
      if (pending.length > 0) await queue.commit(pending);
      pending = [];
      await queue.queue.obliterate({ force: true });
      const groups = await redis.keys(`${keys.tag}:group:*`);
      for (let i = 0; i < groups.length; i += 1000) await redis.del(...groups.slice(i, i + 1000));
    }
    if ((second + 1) % 60 === 0) {
      const { keys: n, bytes } = await dedupeBytes(redis, keys.dedupePrefix);
      const set = Number(await redis.memory('USAGE', keys.producers));
      console.log(
        `  ${String((second + 1) / 60).padStart(2)} min: ${n} producer memories, ${(bytes / 1e6).toFixed(2)} MB (${(bytes / n).toFixed(0)} B each) + producers set ${(set / 1e6).toFixed(2)} MB; ${((performance.now() - started) / 1000).toFixed(0)} s so far`,
      );
    }
  }
  const { keys: n, bytes } = await dedupeBytes(redis, keys.dedupePrefix);
  const set = Number(await redis.memory('USAGE', keys.producers));
  const info = await redis.info('memory');
  const used = /used_memory:(\d+)/.exec(info)?.[1];
  console.log(
    `steady state: ${((bytes + set) / 1e6).toFixed(2)} MB for repeats (${n} producer memories, ${(bytes / n).toFixed(0)} B each, producers set ${(set / 1e6).toFixed(2)} MB); Redis used_memory ${(Number(used) / 1e6).toFixed(1)} MB in all`,
  );
  await queue.close();
}

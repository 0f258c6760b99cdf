// runLoad: the load driver. Splits the fleet over worker threads (or runs in this thread), reports
// progress, stops on its duration or an AbortSignal, drains, and returns one merged LoadSummary.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Counters, addCounters, emptyCounters } from './counters.js';
import { LOAD_DEFAULTS, type LoadOptions, type LoadProgress } from './load-options.js';
import type { FromWorker, ToWorker } from './load-worker.js';
import { type Shard, type ShardSnapshot, type ShardSpec, startShard } from './shard.js';
import { type LoadSummary, mergeSummaries } from './summary.js';
import { parseTargetUrl } from './transports/create-transport.js';
import { DEFAULT_URLS, TARGETS } from './transports/types.js';

/** Checks options before anything starts, with a message naming the option and the value. */
export function validateLoadOptions(options: LoadOptions): void {
  if (!TARGETS.includes(options.target)) {
    throw new RangeError(`target must be one of ${TARGETS.join(', ')}, got "${options.target}"`);
  }
  parseTargetUrl(options.target, options.url ?? DEFAULT_URLS[options.target]);
  const integer = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  integer('hosts', options.hosts, 1, 10_000_000);
  integer('batchSize', options.batchSize, 1, 1000);
  integer('workers', options.workers, 1, 256);
  integer('connections', options.connections, 1, 100_000);
  integer('concurrency', options.concurrency, 1);
  integer('seed', options.seed, 0, 2 ** 32 - 1);
  if (options.intervalMs !== undefined && !(options.intervalMs > 0 && Number.isFinite(options.intervalMs))) {
    throw new RangeError(`intervalMs must be a positive number, got ${options.intervalMs}`);
  }
  if (options.durationMs !== undefined && !(options.durationMs >= 0)) {
    throw new RangeError(`durationMs must be >= 0 (0 or Infinity: until aborted), got ${options.durationMs}`);
  }
  const workers = options.workers ?? 1;
  if (workers > (options.hosts ?? LOAD_DEFAULTS.hosts)) {
    throw new RangeError(
      `workers (${workers}) cannot exceed hosts (${options.hosts ?? LOAD_DEFAULTS.hosts})`,
    );
  }
}

interface ShardHandle {
  latest(): ShardSnapshot | undefined;
  stop(): void;
  done: Promise<LoadSummary>;
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  validateLoadOptions(options);
  const { signal, onProgress, ...rest } = options;
  const workers = options.workers ?? LOAD_DEFAULTS.workers;
  const hosts = options.hosts ?? LOAD_DEFAULTS.hosts;
  const intervalMs = options.intervalMs ?? LOAD_DEFAULTS.intervalMs;
  const progressIntervalMs = options.progressIntervalMs ?? LOAD_DEFAULTS.progressIntervalMs;
  const startTime = options.startTime ?? Date.now();
  const shardOptions = {
    ...rest,
    ca: typeof rest.ca === 'string' || !rest.ca ? rest.ca : rest.ca.toString(),
  };
  if (shardOptions.ca === undefined) delete shardOptions.ca;

  const handles: ShardHandle[] = [];
  for (let w = 0; w < workers; w++) {
    const firstHost = Math.floor((w * hosts) / workers);
    const spec: ShardSpec = {
      options: shardOptions,
      workerIndex: w,
      firstHost,
      hostCount: Math.floor(((w + 1) * hosts) / workers) - firstHost,
      startTime,
    };
    handles.push(workers === 1 ? inThread(startShard(spec)) : inWorker(spec, progressIntervalMs));
  }

  const stopAll = () => {
    for (const handle of handles) handle.stop();
  };
  if (signal?.aborted) stopAll();
  signal?.addEventListener('abort', stopAll, { once: true });

  const t0 = performance.now();
  let lastAcked = 0;
  let lastAt = t0;
  const progress = onProgress
    ? setInterval(() => {
        const now = performance.now();
        const snapshot = combine(handles);
        const acked = snapshot.counters.samples.acknowledged;
        onProgress(
          toProgress(snapshot, now - t0, (acked - lastAcked) / ((now - lastAt) / 1000), hosts, intervalMs),
        );
        lastAcked = acked;
        lastAt = now;
      }, progressIntervalMs)
    : undefined;

  try {
    const summaries = await Promise.all(handles.map((handle) => handle.done));
    return summaries.length === 1 ? summaries[0]! : mergeSummaries(summaries);
  } catch (error) {
    stopAll();
    throw error;
  } finally {
    clearInterval(progress);
    signal?.removeEventListener('abort', stopAll);
  }
}

function inThread(shard: Shard): ShardHandle {
  return { latest: () => shard.snapshot(), stop: () => shard.stop(), done: shard.done };
}

function inWorker(spec: ShardSpec, progressIntervalMs: number): ShardHandle {
  const worker = spawnWorker({ ...spec, progressIntervalMs });
  let latest: ShardSnapshot | undefined;
  const done = new Promise<LoadSummary>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'progress') latest = message.snapshot;
      else if (message.type === 'done') {
        settled = true;
        resolve(message.summary);
      } else if (message.type === 'failed') {
        settled = true;
        reject(new Error(`worker ${spec.workerIndex} failed: ${message.error}`));
      }
    });
    worker.on('error', (error) => {
      if (!settled) reject(new Error(`worker ${spec.workerIndex} crashed: ${error.message}`));
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled)
        reject(new Error(`worker ${spec.workerIndex} exited with code ${code} before its summary`));
      settled = true;
    });
  });
  return {
    latest: () => latest,
    stop: () => worker.postMessage({ type: 'stop' } satisfies ToWorker),
    done,
  };
}

/**
 * Starts load-worker in a thread. From source (tests, tsx) the worker first registers tsx's loader,
 * because Node 20 does not carry the parent's --import hooks into workers; built code runs as is.
 */
function spawnWorker(data: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./load-worker.js', here), { workerData: data });
  const tsxApi = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const entry = new URL('./load-worker.ts', here).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: data, execArgv: ['--conditions=source'] });
}

function combine(handles: ShardHandle[]): ShardSnapshot {
  const counters: Counters = emptyCounters();
  let missedBatches = 0;
  let missedSamples = 0;
  let inFlight = 0;
  for (const handle of handles) {
    const snapshot = handle.latest();
    if (!snapshot) continue;
    addCounters(counters, snapshot.counters);
    missedBatches += snapshot.missedBatches;
    missedSamples += snapshot.missedSamples;
    inFlight += snapshot.inFlight;
  }
  return { counters, missedBatches, missedSamples, inFlight };
}

function toProgress(
  snapshot: ShardSnapshot,
  elapsedMs: number,
  ackRate: number,
  hosts: number,
  intervalMs: number,
): LoadProgress {
  const { samples } = snapshot.counters;
  return {
    elapsedMs: Math.round(elapsedMs),
    sent: samples.sent,
    acknowledged: samples.acknowledged,
    refused: samples.refused,
    failed: samples.failed,
    missed: snapshot.missedSamples,
    retries: snapshot.counters.retries,
    errors: Object.values(snapshot.counters.errors).reduce((sum, n) => sum + n, 0),
    inFlight: snapshot.inFlight,
    ackRate: Math.round(Number.isFinite(ackRate) ? ackRate : 0),
    targetRate: Math.round((hosts * 1000) / intervalMs),
  };
}

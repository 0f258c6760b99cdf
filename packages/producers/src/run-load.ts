// runLoad: the load driver. Plans the producers (one per host, or pooled connections), splits them
// over worker threads (or runs in this thread), starts every thread on one shared clock, reports
// progress, stops on its duration or an AbortSignal, drains, and returns one merged LoadSummary with
// the generator's own measure of itself (CPU, event loops, schedule lag, generator-bound or not).
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createFleet } from './fleet.js';
import { judgeGenerator } from './generator-report.js';
import { LOAD_DEFAULTS, type LoadOptions, type LoadProgress, type ShardOptions } from './load-options.js';
import type { FromWorker, ToWorker } from './load-worker.js';
import { ensureOpenFiles } from './open-files.js';
import { DEFAULT_RETAIN_MAX_BYTES } from './retention.js';
import { type Shard, type ShardSnapshot, type ShardSpec, startShard } from './shard.js';
import { autoWorkers, planWorkers, sourceCount } from './source-plan.js';
import { type LoadSummary, mergeSummaries } from './summary.js';
import { parseTargetUrl } from './transports/create-transport.js';
import { DEFAULT_URLS, TARGETS } from './transports/types.js';

/** Most hosts one per-host run takes: each is a socket here and at the system, and ports run out near 28,000 per address pair. */
export const MAX_PER_HOST = 100_000;
/** File descriptors a run needs beyond its connections (the runtime's own, pipes, workers). */
const SPARE_FILES = 512;

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
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
      throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
  };
  const hosts = options.hosts ?? LOAD_DEFAULTS.hosts;
  const model = options.connections ?? LOAD_DEFAULTS.connections;
  integer('hosts', options.hosts, 1, 10_000_000);
  integer('batchSize', options.batchSize, 1, 1000);
  if (options.workers !== 'auto') integer('workers', options.workers, 1, 256);
  if (model !== 'per-host') integer('connections', model, 1, 100_000);
  else if (hosts > MAX_PER_HOST) {
    throw new RangeError(
      `per-host connections take one socket per host; ${hosts} hosts is more than ${MAX_PER_HOST} (use pooled connections: connections: <n>)`,
    );
  }
  integer('maxBacklog', options.maxBacklog, 1);
  if (options.endToEnd && options.target !== 'ws') {
    throw new RangeError(`endToEnd acknowledgements are System 2's: target ws, not ${options.target}`);
  }
  integer('retainMaxBytes', options.retainMaxBytes, 1024);
  integer('seed', options.seed, 0, 2 ** 32 - 1);
  positive('intervalMs', options.intervalMs);
  positive('connectRate', options.connectRate);
  positive('maxLagMs', options.maxLagMs);
  if (options.durationMs !== undefined && !(options.durationMs >= 0)) {
    throw new RangeError(`durationMs must be >= 0 (0 or Infinity: until aborted), got ${options.durationMs}`);
  }
  const sources = sourceCount(model, hosts);
  if (typeof options.workers === 'number' && options.workers > sources) {
    throw new RangeError(`workers (${options.workers}) cannot exceed the producers (${sources})`);
  }
}

interface ShardHandle {
  ready: Promise<void>;
  begin(startEpoch: number): void;
  latest(): ShardSnapshot | undefined;
  stop(): void;
  sendingStopped: Promise<void>;
  done: Promise<LoadSummary>;
}

/** What a run will look like: its threads and producers, and its ramp. */
export function planRun(options: LoadOptions) {
  const hosts = options.hosts ?? LOAD_DEFAULTS.hosts;
  const intervalMs = options.intervalMs ?? LOAD_DEFAULTS.intervalMs;
  const batchSize = options.batchSize ?? LOAD_DEFAULTS.batchSize;
  const model = options.connections ?? LOAD_DEFAULTS.connections;
  const connectRate = options.connectRate ?? LOAD_DEFAULTS.connectRate;
  const total = sourceCount(model, hosts);
  const batchesPerSecond = (hosts * 1000) / intervalMs / batchSize;
  const workers =
    options.workers === undefined || options.workers === 'auto'
      ? autoWorkers(total, batchesPerSecond)
      : options.workers;
  // the longest gap between one producer's batches: the ramp spreads first batches over at least that
  const longestPeriod = (intervalMs * batchSize) / Math.max(1, Math.floor(hosts / total));
  const rampMs = Math.max(longestPeriod, (total * 1000) / connectRate);
  return { hosts, intervalMs, model, total, workers, rampMs };
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  validateLoadOptions(options);
  const { signal, onProgress, onBegin, ...rest } = options;
  const { hosts, intervalMs, model, total, workers, rampMs } = planRun(options);
  const progressIntervalMs = options.progressIntervalMs ?? LOAD_DEFAULTS.progressIntervalMs;
  const fleetStart = options.startTime ?? Date.now();
  const seed = options.seed ?? LOAD_DEFAULTS.seed;
  const prefix = options.producerPrefix ?? `fleet-${seed}`;
  const files = ensureOpenFiles(total + SPARE_FILES);
  if (!files.ok) throw new RangeError(`${total} connections: ${files.advice}`);

  const shardOptions: ShardOptions = {
    ...rest,
    ca: typeof rest.ca === 'string' || !rest.ca ? rest.ca : rest.ca.toString(),
  };
  if (shardOptions.ca === undefined) delete shardOptions.ca;
  // the run's retention bound, split over its threads (each keeps its own connections' batches)
  if (options.endToEnd) {
    shardOptions.retainMaxBytes = Math.ceil((options.retainMaxBytes ?? DEFAULT_RETAIN_MAX_BYTES) / workers);
  }
  const names = createFleet({ hosts, seed, startTime: fleetStart });
  const plans = planWorkers(model, hosts, workers, prefix, (i) => names.hostName(i));
  const handles: ShardHandle[] = plans.map((plan) => {
    const spec: ShardSpec = { options: shardOptions, plan, totalSources: total, rampMs, fleetStart };
    return workers === 1 ? inThread(startShard(spec)) : inWorker(spec, progressIntervalMs);
  });

  const stopAll = () => {
    for (const handle of handles) handle.stop();
  };
  signal?.addEventListener('abort', stopAll, { once: true });
  let progress: NodeJS.Timeout | undefined;
  try {
    await Promise.all(handles.map((handle) => handle.ready));
    // one clock for every thread; a moment's margin so each has begun before its first batch is due
    const startEpoch = Date.now() + 20;
    let cpuAtStart = process.cpuUsage();
    let wallAtStart = performance.now();
    for (const handle of handles) handle.begin(startEpoch);
    onBegin?.({ startEpoch, rampMs });
    if (signal?.aborted) stopAll();
    // CPU is measured over the steady part, after the ramp's connection set-up (or all of it, if shorter)
    const steadyTimer = setTimeout(
      () => {
        cpuAtStart = process.cpuUsage();
        wallAtStart = performance.now();
      },
      Math.max(0, startEpoch + rampMs - Date.now()),
    );
    let cpuPercent = 0;
    const measured = Promise.all(handles.map((handle) => handle.sendingStopped)).then(() => {
      clearTimeout(steadyTimer);
      // the whole process (every thread): what the generator cost while it was sending
      const used = process.cpuUsage(cpuAtStart);
      const wallMs = performance.now() - wallAtStart;
      cpuPercent = wallMs > 0 ? (100 * (used.user + used.system)) / 1000 / wallMs : 0;
    });

    const t0 = performance.now();
    let lastAcked = 0;
    let lastAt = t0;
    progress = onProgress
      ? setInterval(() => {
          const now = performance.now();
          const snapshot = combine(handles);
          const acked = snapshot.samples.acknowledged;
          onProgress(
            toProgress(snapshot, {
              elapsedMs: now - t0,
              ackRate: (acked - lastAcked) / ((now - lastAt) / 1000),
              targetRate: (hosts * 1000) / intervalMs,
              connections: total,
              endToEnd: options.endToEnd === true,
            }),
          );
          lastAcked = acked;
          lastAt = now;
        }, progressIntervalMs)
      : undefined;

    const summaries = await Promise.all(handles.map((handle) => handle.done));
    await measured;
    const merged = summaries.length === 1 ? summaries[0]! : mergeSummaries(summaries);
    merged.workers = workers;
    merged.generator = judgeGenerator({
      threads: workers,
      cpuPercent,
      eventLoopUtilization: merged.generator.eventLoopUtilization,
      scheduleLag: merged.histograms.scheduleLag,
      missedLate: merged.missedBy.generator,
    });
    return merged;
  } catch (error) {
    stopAll();
    throw error;
  } finally {
    clearInterval(progress);
    signal?.removeEventListener('abort', stopAll);
  }
}

function inThread(shard: Shard): ShardHandle {
  return {
    ready: Promise.resolve(),
    begin: (epoch) => shard.begin(epoch),
    latest: () => shard.snapshot(),
    stop: () => shard.stop(),
    sendingStopped: shard.sendingStopped,
    done: shard.done,
  };
}

function inWorker(spec: ShardSpec, progressIntervalMs: number): ShardHandle {
  const worker = spawnWorker({ spec, progressIntervalMs });
  const index = spec.plan.workerIndex;
  let latest: ShardSnapshot | undefined;
  let onReady: () => void = () => {};
  let onStopped: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    failReady = reject;
  });
  const sendingStopped = new Promise<void>((resolve) => {
    onStopped = resolve;
  });
  const done = new Promise<LoadSummary>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      failReady(error);
      onStopped();
      reject(error);
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') onReady();
      else if (message.type === 'progress') latest = message.snapshot;
      else if (message.type === 'stopped') onStopped();
      else if (message.type === 'done') {
        settled = true;
        onStopped();
        resolve(message.summary);
      } else if (message.type === 'failed') fail(new Error(`worker ${index} failed: ${message.error}`));
    });
    worker.on('error', (error) => fail(new Error(`worker ${index} crashed: ${error.message}`)));
    worker.on('exit', (code) =>
      fail(new Error(`worker ${index} exited with code ${code} before its summary`)),
    );
  });
  // a failure before the run begins is reported through `ready`; keep `done` from being unhandled
  done.catch(() => undefined);
  const post = (message: ToWorker) => worker.postMessage(message);
  return {
    ready,
    begin: (startEpoch) => post({ type: 'begin', startEpoch }),
    latest: () => latest,
    stop: () => post({ type: 'stop' }),
    sendingStopped,
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
  const total: ShardSnapshot = {
    batches: { sent: 0, acknowledged: 0, duplicates: 0, refused: 0, failed: 0 },
    samples: { sent: 0, acknowledged: 0, duplicates: 0, refused: 0, failed: 0 },
    retries: 0,
    errors: 0,
    dueSamples: 0,
    missedSamples: 0,
    inFlight: 0,
    open: 0,
    retainedBytes: 0,
    committedSamples: 0,
  };
  for (const handle of handles) {
    const s = handle.latest();
    if (!s) continue;
    for (const key of ['sent', 'acknowledged', 'duplicates', 'refused', 'failed'] as const) {
      total.batches[key] += s.batches[key];
      total.samples[key] += s.samples[key];
    }
    total.retries += s.retries;
    total.errors += s.errors;
    total.dueSamples += s.dueSamples;
    total.missedSamples += s.missedSamples;
    total.inFlight += s.inFlight;
    total.open += s.open;
    total.retainedBytes += s.retainedBytes;
    total.committedSamples += s.committedSamples;
  }
  return total;
}

function toProgress(
  snapshot: ShardSnapshot,
  run: { elapsedMs: number; ackRate: number; targetRate: number; connections: number; endToEnd: boolean },
): LoadProgress {
  const { samples } = snapshot;
  return {
    elapsedMs: Math.round(run.elapsedMs),
    due: snapshot.dueSamples,
    sent: samples.sent,
    acknowledged: samples.acknowledged,
    refused: samples.refused,
    failed: samples.failed,
    missed: snapshot.missedSamples,
    retries: snapshot.retries,
    errors: snapshot.errors,
    inFlight: snapshot.inFlight,
    open: snapshot.open,
    ...(run.endToEnd
      ? { endToEnd: { retainedBytes: snapshot.retainedBytes, committed: snapshot.committedSamples } }
      : {}),
    connections: run.connections,
    ackRate: Math.round(Number.isFinite(run.ackRate) ? run.ackRate : 0),
    targetRate: Math.round(run.targetRate),
  };
}

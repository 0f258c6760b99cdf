// One thread's share of a load run: a range of hosts split over its connections, each connection a
// producer with its own seq, batches released on an even schedule (open model) under a concurrency
// limit. Used directly for one worker and inside each worker thread for several.
import type { Batch } from '@ingestlab/metric-schema';
import { type BatchStream, createBatchStream } from './batch-stream.js';
import { type Counters, addCounters, emptyCounters } from './counters.js';
import { createFleet } from './fleet.js';
import { LOAD_DEFAULTS, type ShardOptions } from './load-options.js';
import { type LoadSummary, buildSummary } from './summary.js';
import { createTransport } from './transports/create-transport.js';
import { DEFAULT_URLS, type Transport } from './transports/types.js';

export interface ShardSpec {
  options: ShardOptions;
  workerIndex: number;
  firstHost: number;
  hostCount: number;
  /** Fleet clock start, the same for every worker so they simulate one fleet. */
  startTime: number;
}

/** Live counts of a shard, for progress reports. */
export interface ShardSnapshot {
  counters: Counters;
  missedBatches: number;
  missedSamples: number;
  inFlight: number;
}

export interface Shard {
  /** Resolves when sending has stopped and in-flight batches have settled. */
  readonly done: Promise<LoadSummary>;
  snapshot(): ShardSnapshot;
  /** Stops releasing new batches; the shard drains and `done` resolves. */
  stop(): void;
}

/** Releases are checked this often; due batches since the last check go out together. */
const TICK_MS = 5;
/** Due batches older than this are dropped as `missed` instead of sent late in a burst. */
const MAX_LAG_MS = 1000;

interface Lane {
  stream: BatchStream;
  transport: Transport;
  batchesPerMs: number;
  released: number;
}

export function startShard(spec: ShardSpec): Shard {
  const { options, workerIndex } = spec;
  const intervalMs = options.intervalMs ?? LOAD_DEFAULTS.intervalMs;
  const batchSize = options.batchSize ?? LOAD_DEFAULTS.batchSize;
  const durationMs = options.durationMs ?? LOAD_DEFAULTS.durationMs;
  const seed = options.seed ?? LOAD_DEFAULTS.seed;
  const concurrency = Math.max(1, options.concurrency ?? LOAD_DEFAULTS.concurrency);
  const drainTimeoutMs = options.drainTimeoutMs ?? LOAD_DEFAULTS.drainTimeoutMs;
  const prefix = options.producerPrefix ?? `fleet-${seed}`;
  const connections = Math.max(1, Math.min(options.connections ?? LOAD_DEFAULTS.connections, spec.hostCount));
  const fleet = createFleet({
    hosts: options.hosts ?? LOAD_DEFAULTS.hosts,
    seed,
    startTime: spec.startTime,
    ...(options.dayMs ? { dayMs: options.dayMs } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
  });

  const lanes: Lane[] = [];
  for (let c = 0; c < connections; c++) {
    const from = Math.floor((c * spec.hostCount) / connections);
    const to = Math.floor(((c + 1) * spec.hostCount) / connections);
    const hostCount = to - from;
    const stream = createBatchStream({
      fleet,
      producer: `${prefix}-${workerIndex}-${c}`,
      batchSize,
      firstHost: spec.firstHost + from,
      hostCount,
    });
    // `connections` of a run counts producers; each producer's HTTP/1.1 pool is one connection
    const transport = createTransport(options.target, {
      ...options,
      url: options.url ?? DEFAULT_URLS[options.target],
      connections: 1,
    });
    lanes.push({ stream, transport, batchesPerMs: hostCount / intervalMs / batchSize, released: 0 });
  }

  const startedAt = Date.now();
  const t0 = performance.now();
  let inFlight = 0;
  let missedBatches = 0;
  let missedSamples = 0;
  let stoppedBy: 'duration' | 'abort' = 'duration';
  let stopped = false;
  const settling = new Set<Promise<unknown>>();
  let resolveStopped: () => void = () => {};
  const stoppedPromise = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  const release = (lane: Lane) => {
    const batch: Batch = lane.stream.next(Date.now());
    inFlight++;
    const sending = lane.transport.send(batch).finally(() => {
      inFlight--;
      settling.delete(sending);
    });
    settling.add(sending);
  };

  const tick = () => {
    if (stopped) return;
    const elapsed = performance.now() - t0;
    if (durationMs > 0 && Number.isFinite(durationMs) && elapsed >= durationMs) {
      stop('duration');
      return;
    }
    const due = lanes.map((lane) => {
      const owed = Math.floor(elapsed * lane.batchesPerMs) - lane.released;
      // batches owed for longer than MAX_LAG_MS are dropped and counted, not sent late in a burst
      const cap = Math.max(1, Math.floor(MAX_LAG_MS * lane.batchesPerMs));
      if (owed > cap) {
        const skip = owed - cap;
        lane.released += skip;
        missedBatches += skip;
        missedSamples += skip * batchSize;
        return cap;
      }
      return owed;
    });
    // round-robin over lanes so one lane cannot take the whole concurrency budget
    let progressed = true;
    while (progressed && inFlight < concurrency) {
      progressed = false;
      for (let i = 0; i < lanes.length && inFlight < concurrency; i++) {
        const lane = lanes[i]!;
        if ((due[i] ?? 0) <= 0) continue;
        due[i] = (due[i] ?? 0) - 1;
        lane.released++;
        release(lane);
        progressed = true;
      }
    }
  };

  const timer = setInterval(tick, TICK_MS);

  const stop = (why: 'duration' | 'abort') => {
    if (stopped) return;
    stopped = true;
    stoppedBy = why;
    clearInterval(timer);
    resolveStopped();
  };

  const combined = (): Counters => {
    const counters = emptyCounters();
    for (const lane of lanes) addCounters(counters, lane.transport.counters());
    return counters;
  };

  const done = (async () => {
    await stoppedPromise;
    const sendingStoppedAt = performance.now();
    // bounded drain: wait for acks of what is in flight, then close (which fails the rest, counted)
    const drained = Promise.all([...settling]);
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      drained,
      new Promise((resolve) => (drainTimer = setTimeout(resolve, drainTimeoutMs))),
    ]);
    clearTimeout(drainTimer);
    await Promise.all(lanes.map((lane) => lane.transport.close()));
    await Promise.all([...settling]);
    const elapsedMs = sendingStoppedAt - t0;
    return buildSummary({
      target: options.target,
      url: lanes[0]?.transport.url ?? '',
      seed,
      hosts: spec.hostCount,
      intervalMs,
      batchSize,
      workers: 1,
      connections,
      startedAt,
      elapsedMs,
      stoppedBy,
      counters: combined(),
      missedBatches,
      missedSamples,
      producers: lanes.map((lane) => ({ name: lane.stream.producer, batches: lane.stream.nextSeq })),
    });
  })();

  return {
    done,
    snapshot: () => ({ counters: combined(), missedBatches, missedSamples, inFlight }),
    stop: () => stop('abort'),
  };
}

// One thread's share of a load run: its producers (one per host, or pooled connections), each with
// its own seq and connection, and the scheduler that releases their batches when due (open model:
// the schedule never waits for acks). It counts what falls due, what it sends, what it misses and how
// late it releases. Runs in the calling thread for one worker, inside each worker thread for several.
import { performance } from 'node:perf_hooks';
import { Histogram } from '@ingestlab/aggregation';
import { type Counters, type OutcomeCounts, emptyCounters, snapshotCounters } from './counters.js';
import { type Due, DueHeap } from './due-heap.js';
import { createFleet } from './fleet.js';
import { LOAD_DEFAULTS, type ShardOptions } from './load-options.js';
import { BODY_FORMATS } from './body-format.js';
import { BodyPool } from './sample-encoder.js';
import type { WorkerPlan } from './source-plan.js';
import { Retention } from './retention.js';
import { type LoadSummary, buildSummary } from './summary.js';
import { createTransport } from './transports/create-transport.js';
import { DEFAULT_URLS, type Transport } from './transports/types.js';

export interface ShardSpec {
  options: ShardOptions;
  plan: WorkerPlan;
  /** Producers over the whole run: each one's place in the ramp is plan index / total. */
  totalSources: number;
  /** The ramp (ms): first batches spread over it; latency is measured for batches due after it. */
  rampMs: number;
  /** Fleet clock start, epoch ms, the same for every worker so they simulate one fleet. */
  fleetStart: number;
}

/** Live counts of a shard, for progress reports. */
export interface ShardSnapshot {
  batches: OutcomeCounts;
  samples: OutcomeCounts;
  retries: number;
  errors: number;
  dueSamples: number;
  missedSamples: number;
  /** Batches handed to connections and not settled yet. */
  inFlight: number;
  /** Connections open now. */
  open: number;
  /** End-to-end: bytes of acknowledged batches kept until committed, and samples committed so far. */
  retainedBytes: number;
  committedSamples: number;
}

export interface Shard {
  /** Starts the schedule: the first producer's first batch is due at `startEpoch` (epoch ms). */
  begin(startEpoch: number): void;
  /** Resolves when sending has stopped (drain still to come). */
  readonly sendingStopped: Promise<void>;
  /** Resolves when sending has stopped and in-flight batches have settled. */
  readonly done: Promise<LoadSummary>;
  snapshot(): ShardSnapshot;
  /** Stops releasing new batches; the shard drains and `done` resolves. */
  stop(): void;
}

interface Source extends Due {
  name: string;
  head: Buffer;
  seq: number;
  transport: Transport;
  /** ms between its batches. */
  period: number;
  firstHost: number;
  hostCount: number;
  /** Next host of a pooled producer's share. */
  cursor: number;
  /** Batches handed to its connection and not settled. */
  outstanding: number;
}

/** Waits for `promise`, at most `ms`. */
function waitFor(promise: Promise<void>, ms: number): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(
    () => clearTimeout(timer),
  );
}

/** Longest stretch of releases before yielding to I/O (acks), ms. */
const SLICE_MS = 20;

export function startShard(spec: ShardSpec): Shard {
  const { options, plan } = spec;
  const intervalMs = options.intervalMs ?? LOAD_DEFAULTS.intervalMs;
  const batchSize = options.batchSize ?? LOAD_DEFAULTS.batchSize;
  const durationMs = options.durationMs ?? LOAD_DEFAULTS.durationMs;
  const seed = options.seed ?? LOAD_DEFAULTS.seed;
  const perHost = (options.connections ?? LOAD_DEFAULTS.connections) === 'per-host';
  const maxBacklog =
    options.maxBacklog ?? (perHost ? LOAD_DEFAULTS.maxBacklogPerHost : LOAD_DEFAULTS.maxBacklogPooled);
  const maxLagMs = options.maxLagMs ?? LOAD_DEFAULTS.maxLagMs;
  const drainTimeoutMs = options.drainTimeoutMs ?? LOAD_DEFAULTS.drainTimeoutMs;
  const url = options.url ?? DEFAULT_URLS[options.target];
  const fleet = createFleet({
    hosts: options.hosts ?? LOAD_DEFAULTS.hosts,
    seed,
    startTime: spec.fleetStart,
    ...(options.dayMs ? { dayMs: options.dayMs } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
  });
  const format = BODY_FORMATS[options.encoding ?? 'json'];
  const encoder = format.encoder(fleet, plan.firstHost, plan.hostCount);
  const counters: Counters = emptyCounters();
  const scheduleLag = new Histogram();
  // end-to-end: one bound for what this thread's connections keep until committed
  const retention = options.endToEnd ? new Retention(options.retainMaxBytes, counters.endToEnd) : undefined;

  const sources: Source[] = plan.sources.map((source) => ({
    name: source.name,
    head: format.batchHead(source.name),
    seq: 0,
    // each producer is one connection; `zeroMaskKey` spares a generator the masking of ws frames
    transport: createTransport(
      options.target,
      { ...options, url, connections: 1, zeroMaskKey: true, producer: source.name },
      counters,
      retention,
    ),
    period: (intervalMs * batchSize) / source.hostCount,
    nextDue: 0,
    firstHost: source.firstHost,
    hostCount: source.hostCount,
    cursor: 0,
    outstanding: 0,
  }));
  const rampStep = spec.rampMs / Math.max(1, spec.totalSources);

  const startedAt = Date.now();
  let t0 = 0;
  let startEpoch = 0;
  let begun = false;
  let measureFrom = 0;
  let endAt = Number.POSITIVE_INFINITY;
  let eluStart = performance.eventLoopUtilization();
  let eluTimer: NodeJS.Timeout | undefined;
  let elu = 0;
  let dueBatches = 0;
  let dueSamples = 0;
  let steadyDueSamples = 0;
  let bodyBytes = 0;
  const missed = { backlog: 0, generator: 0 };
  let missedSamples = 0;
  let outstanding = 0;
  let onSettled: (() => void) | undefined;
  let stoppedBy: 'duration' | 'abort' = 'duration';
  let stopped = false;
  let timeout: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let resolveStopped: () => void = () => {};
  const stoppedPromise = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const heap = new DueHeap<Source>();

  const settle = (source: Source) => {
    source.outstanding--;
    outstanding--;
    if (outstanding === 0) onSettled?.();
  };

  // reused for every batch: the cached sample parts and their ts endings, in order
  const parts: Buffer[] = new Array(batchSize);
  const ends: Buffer[] = new Array(batchSize);
  const pool = new BodyPool();

  /** A source's batch body for samples due at epoch ms `ts`. */
  const bodyOf = (source: Source, seq: number, ts: number) => {
    if (source.hostCount === 1) {
      // one host keeps its samples until it has a batch: the oldest was taken batchSize-1 intervals ago
      for (let j = 0; j < batchSize; j++) {
        const at = ts - Math.floor((batchSize - 1 - j) * intervalMs);
        parts[j] = encoder.part(source.firstHost, at);
        ends[j] = format.sampleEnd(at);
      }
    } else {
      // a pooled connection: the next hosts of its share, all measured at ts
      const end = format.sampleEnd(ts);
      for (let j = 0; j < batchSize; j++) {
        parts[j] = encoder.part(source.firstHost + source.cursor, ts);
        ends[j] = end;
        source.cursor = source.cursor + 1 === source.hostCount ? 0 : source.cursor + 1;
      }
    }
    return format.batchBody(source.head, seq, parts, ends, batchSize, pool);
  };

  const fallDue = (source: Source, due: number, now: number) => {
    const measured = due >= measureFrom;
    dueBatches++;
    dueSamples += batchSize;
    // how late the generator got to this batch, whatever then becomes of it
    if (measured) {
      steadyDueSamples += batchSize;
      scheduleLag.record(now - due);
    }
    if (now - due > maxLagMs) {
      missed.generator++;
      missedSamples += batchSize;
      return;
    }
    if (source.outstanding >= maxBacklog) {
      missed.backlog++;
      missedSamples += batchSize;
      return;
    }
    const seq = source.seq++;
    const { body, slab } = bodyOf(source, seq, Math.floor(startEpoch + (due - t0)));
    bodyBytes += body.length;
    source.outstanding++;
    outstanding++;
    // the body's slab is reused once released: when the batch ends, or end-to-end, once committed
    const release = () => pool.release(slab);
    void source.transport
      .sendEncoded({ producer: source.name, seq, samples: batchSize, body, dueAt: due, measured, release })
      .then(() => settle(source));
  };

  const loop = () => {
    timeout = undefined;
    immediate = undefined;
    if (stopped) return;
    const sliceStart = performance.now();
    if (sliceStart >= endAt) return stop('duration');
    let now = sliceStart;
    for (;;) {
      const source = heap.peek();
      if (!source || source.nextDue > now || source.nextDue >= endAt) break;
      const due = source.nextDue;
      source.nextDue = due + source.period;
      heap.updateTop();
      fallDue(source, due, now);
      now = performance.now();
      if (now - sliceStart > SLICE_MS) {
        immediate = setImmediate(loop);
        return;
      }
    }
    const next = Math.min(heap.peek()?.nextDue ?? endAt, endAt);
    timeout = setTimeout(loop, Math.max(0, next - performance.now()));
  };

  const stop = (why: 'duration' | 'abort') => {
    if (stopped) return;
    stopped = true;
    stoppedBy = why;
    clearTimeout(timeout);
    clearTimeout(eluTimer);
    if (immediate) clearImmediate(immediate);
    resolveStopped();
  };

  const begin = (epoch: number) => {
    if (begun || stopped) return;
    begun = true;
    startEpoch = epoch;
    t0 = performance.now() + (epoch - Date.now());
    measureFrom = t0 + spec.rampMs;
    endAt =
      durationMs > 0 && Number.isFinite(durationMs) ? measureFrom + durationMs : Number.POSITIVE_INFINITY;
    for (const [i, source] of sources.entries()) {
      source.nextDue = t0 + (plan.sources[i]?.index ?? 0) * rampStep;
      heap.push(source);
    }
    // the event loop is measured over the steady part, like the schedule lag: a ramp's handshakes are not the run
    eluTimer = setTimeout(
      () => {
        eluStart = performance.eventLoopUtilization();
      },
      Math.max(0, measureFrom - performance.now()),
    );
    timeout = setTimeout(loop, Math.max(0, t0 - performance.now()));
  };

  const waitSettled = (limitMs: number) =>
    new Promise<void>((resolve) => {
      if (outstanding === 0) return resolve();
      const timer = Number.isFinite(limitMs) ? setTimeout(resolve, limitMs) : undefined;
      onSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const done = (async () => {
    await stoppedPromise;
    if (!begun) t0 = performance.now();
    const sendingStoppedAt = performance.now();
    elu = performance.eventLoopUtilization(eluStart).utilization;
    // bounded drain: wait for acks of what is in flight (end-to-end: and for their commits), then
    // close, which fails the rest (counted) and counts what was never committed
    const drainUntil = performance.now() + drainTimeoutMs;
    await waitSettled(drainTimeoutMs);
    if (retention) await waitFor(retention.empty(), drainUntil - performance.now());
    await Promise.all(sources.map((source) => source.transport.close()));
    await waitSettled(Number.POSITIVE_INFINITY);
    onSettled = undefined;
    return buildSummary({
      target: options.target,
      encoding: format.encoding,
      url: sources[0]?.transport.url ?? url,
      seed,
      hosts: plan.hostCount,
      intervalMs,
      batchSize,
      workers: 1,
      connectionModel: perHost ? 'per-host' : 'pooled',
      connections: sources.length,
      startedAt,
      rampMs: spec.rampMs,
      elapsedMs: Math.max(0, sendingStoppedAt - t0),
      stoppedBy,
      counters: snapshotCounters(counters),
      missedBatches: missed,
      missedSamples,
      dueBatches,
      dueSamples,
      steadyDueSamples,
      bodyBytes,
      generator: { cpuPercent: 0, eventLoopUtilization: [elu], scheduleLag: scheduleLag.toSnapshot() },
      producers: sources.map((source) => ({ name: source.name, batches: source.seq })),
      endToEnd: options.endToEnd === true,
    });
  })();

  return {
    begin,
    sendingStopped: stoppedPromise,
    done,
    snapshot: () => ({
      batches: { ...counters.batches },
      samples: { ...counters.samples },
      retries: counters.retries,
      errors: Object.values(counters.errors).reduce((sum, n) => sum + n, 0),
      dueSamples,
      missedSamples,
      inFlight: outstanding,
      open: counters.connections.opened - counters.connections.lost,
      retainedBytes: retention?.bytes ?? 0,
      committedSamples: counters.endToEnd.committed.samples,
    }),
    stop: () => stop('abort'),
  };
}

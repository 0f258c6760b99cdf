// The aggregate of one window while it is open: a histogram per metric, each host's highest CPU, and
// the age of samples relative to the window's end (for lag). It merges exactly, serialises to a flat
// partial form (for Redis hashes or messages), and closes into the contract's `Window`.
import {
  METRIC_NAMES,
  type MetricName,
  type MetricStats,
  type Sample,
  type TopHost,
  type Window,
} from '@ingestlab/metric-schema';
import { Histogram, type HistogramSnapshot } from './histogram.js';

export const TOP_HOSTS = 5;
const QUANTILES = [0.5, 0.95, 0.99] as const;

/** What a window needs to know at close that the samples alone cannot tell. */
export interface CloseContext {
  /** When the window is published (ms); lag is measured up to here. */
  publishedAt: number;
  /** Batches refused while the window was open. */
  rejected?: number;
  /** Batches waiting in a queue at publication (System 1); default 0. */
  queueDepth?: number;
  viewers?: number;
  droppedFrames?: number;
  /** Samples that belonged to an earlier, already published window (System 1). */
  late?: number;
}

/** The flat, JSON-safe form of a window aggregate: what a worker adds into Redis or a shard sends. */
export interface PartialWindow {
  start: number;
  windowMs: number;
  samples: number;
  metrics: Record<MetricName, HistogramSnapshot>;
  /** End of window minus sample ts, clamped at 0: lag = (publishedAt - end) + age. */
  age: HistogramSnapshot;
  /** Host -> highest CPU seen from it in this window. */
  hostCpu: Record<string, number>;
}

export class WindowAggregate {
  /** Start of the window (ms, epoch-aligned); changes only through `reset`. */
  start: number;
  readonly windowMs: number;
  samples = 0;
  readonly metrics: Record<MetricName, Histogram>;
  readonly age = new Histogram();
  readonly hostCpu = new Map<string, number>();

  constructor(start: number, windowMs: number) {
    this.start = start;
    this.windowMs = windowMs;
    this.metrics = {
      cpu: new Histogram(),
      mem: new Histogram(),
      disk: new Histogram(),
      netIn: new Histogram(),
      netOut: new Histogram(),
    };
  }

  /** Empties the aggregate for another window, reusing its buckets (an aggregate holds ~400 KB). */
  reset(start: number = this.start): void {
    this.start = start;
    this.samples = 0;
    for (const name of METRIC_NAMES) this.metrics[name].reset();
    this.age.reset();
    this.hostCpu.clear();
  }

  get end(): number {
    return this.start + this.windowMs;
  }

  add(sample: Sample): void {
    this.samples += 1;
    this.metrics.cpu.record(sample.cpu);
    this.metrics.mem.record(sample.mem);
    this.metrics.disk.record(sample.disk);
    this.metrics.netIn.record(sample.netIn);
    this.metrics.netOut.record(sample.netOut);
    const age = this.end - sample.ts;
    this.age.record(Math.max(age, 0));
    const seen = this.hostCpu.get(sample.host);
    if (seen === undefined || sample.cpu > seen) this.hostCpu.set(sample.host, sample.cpu);
  }

  addAll(samples: readonly Sample[]): void {
    for (const sample of samples) this.add(sample);
  }

  /** Folds another aggregate of the same window into this one. */
  merge(other: WindowAggregate | PartialWindow): this {
    const source = other instanceof WindowAggregate ? other : WindowAggregate.fromPartial(other);
    if (source.start !== this.start || source.windowMs !== this.windowMs) {
      throw new Error(
        `cannot merge window ${source.start}/${source.windowMs} into ${this.start}/${this.windowMs}`,
      );
    }
    this.samples += source.samples;
    for (const name of METRIC_NAMES) this.metrics[name].merge(source.metrics[name]);
    this.age.merge(source.age);
    for (const [host, cpu] of source.hostCpu) {
      const seen = this.hostCpu.get(host);
      if (seen === undefined || cpu > seen) this.hostCpu.set(host, cpu);
    }
    return this;
  }

  toPartial(): PartialWindow {
    const metrics = {} as Record<MetricName, HistogramSnapshot>;
    for (const name of METRIC_NAMES) metrics[name] = this.metrics[name].toSnapshot();
    return {
      start: this.start,
      windowMs: this.windowMs,
      samples: this.samples,
      metrics,
      age: this.age.toSnapshot(),
      hostCpu: Object.fromEntries(this.hostCpu),
    };
  }

  static fromPartial(partial: PartialWindow): WindowAggregate {
    const aggregate = new WindowAggregate(partial.start, partial.windowMs);
    aggregate.samples = partial.samples;
    for (const name of METRIC_NAMES)
      aggregate.metrics[name].merge(Histogram.fromSnapshot(partial.metrics[name]));
    aggregate.age.merge(Histogram.fromSnapshot(partial.age));
    for (const [host, cpu] of Object.entries(partial.hostCpu)) aggregate.hostCpu.set(host, cpu);
    return aggregate;
  }

  /** The five hosts with the highest CPU, ties broken by name so every system lists the same hosts. */
  topHosts(): TopHost[] {
    const top: TopHost[] = [];
    for (const [host, cpu] of this.hostCpu) {
      if (top.length === TOP_HOSTS && !ranksAbove(host, cpu, top[TOP_HOSTS - 1]!)) continue;
      top.push({ host, cpu });
      top.sort((a, b) => (ranksAbove(a.host, a.cpu, b) ? -1 : 1));
      if (top.length > TOP_HOSTS) top.pop();
    }
    return top;
  }

  close(context: CloseContext): Window {
    const stats = (name: MetricName): MetricStats | null => summarize(this.metrics[name]);
    const [lag50, lag99] = this.samples === 0 ? [null, null] : this.age.quantiles([0.5, 0.99]);
    const offset = context.publishedAt - this.end;
    const pipeline: Window['pipeline'] = {
      accepted: this.samples,
      rejected: context.rejected ?? 0,
      ingestRate: this.samples / (this.windowMs / 1000),
      lagP50: lag50 === null || lag50 === undefined ? null : round(offset + lag50),
      lagP99: lag99 === null || lag99 === undefined ? null : round(offset + lag99),
      queueDepth: context.queueDepth ?? 0,
    };
    if (context.viewers !== undefined) pipeline.viewers = context.viewers;
    if (context.droppedFrames !== undefined) pipeline.droppedFrames = context.droppedFrames;
    if (context.late !== undefined) pipeline.late = context.late;
    return {
      start: this.start,
      end: this.end,
      samples: this.samples,
      hosts: this.hostCpu.size,
      cpu: stats('cpu'),
      mem: stats('mem'),
      disk: stats('disk'),
      netIn: stats('netIn'),
      netOut: stats('netOut'),
      top: this.topHosts(),
      pipeline,
    };
  }
}

function ranksAbove(host: string, cpu: number, other: TopHost): boolean {
  return cpu > other.cpu || (cpu === other.cpu && host < other.host);
}

/** Three decimals: enough for percentages and bytes/s, and stable across systems. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function summarize(histogram: Histogram): MetricStats | null {
  if (histogram.count === 0) return null;
  const [p50, p95, p99] = histogram.quantiles(QUANTILES);
  return {
    avg: round(histogram.mean),
    p50: round(p50!),
    p95: round(p95!),
    p99: round(p99!),
    max: round(histogram.max),
  };
}

/** Aggregates a set of samples into one closed window offline: the reference both systems must match. */
export function aggregateOffline(
  samples: readonly Sample[],
  start: number,
  windowMs: number,
  context: CloseContext,
): Window {
  const aggregate = new WindowAggregate(start, windowMs);
  aggregate.addAll(samples);
  return aggregate.close(context);
}

let scratch: WindowAggregate | undefined;

/**
 * The partial window of a set of samples, using one reused scratch aggregate: what a System 1 worker
 * computes per job before adding it into Redis, without allocating a fresh aggregate each time.
 */
export function partialOf(samples: readonly Sample[], start: number, windowMs: number): PartialWindow {
  if (!scratch || scratch.windowMs !== windowMs) scratch = new WindowAggregate(start, windowMs);
  scratch.reset(start);
  scratch.addAll(samples);
  return scratch.toPartial();
}

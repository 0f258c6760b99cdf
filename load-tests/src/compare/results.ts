// The shapes a comparison records: one run of one point, a step (a point's repeats with their
// spread), a pipeline's ladder with its knee, and the whole comparison (summary.json).
import type { ProcUsage } from './proc-stats.js';
import type { SeriesName } from './options.js';

/** What was driven: the pipelines (JSON, and `+msgpack` for MessagePack batches) and the two bare baselines. */
export const TARGET_NAMES = [
  'bare-http',
  'http1',
  'h2c',
  'h2',
  'http1+msgpack',
  'bare-ws',
  'ws',
  'ws+msgpack',
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface Reconciliation {
  ok: boolean;
  /** `samples` for the systems; `batches` for the baselines, which do not read bodies. */
  unit: 'samples' | 'batches';
  producerSent: number;
  producerAcked: number;
  /** Acked minus acked-as-duplicate: what the system must have counted once. */
  producerUnique: number;
  producerFailed: number;
  acceptedDelta: number;
  aggregatedDelta: number;
  duplicatesDelta: number;
  rejectedDelta: number;
  drained: boolean;
  drainMs: number;
  /** Empty when ok; otherwise each problem, with the numbers. */
  problems: string[];
}

export interface LagFigures {
  windows: number;
  /** Median of the windows' lagP50 (sample ts to publication, as the system reports it), ms. */
  lagP50: number | null;
  /** Worst window's lagP99, ms. */
  lagP99: number | null;
  /**
   * Delivery delay: a window's end to its arrival at a viewer, over every viewer and window of the
   * run (one histogram, the aggregation package's), p50 and p99, ms.
   */
  deliveryP50: number | null;
  deliveryP99: number | null;
  /** Worst window of (lagP99 beyond the window length) + receipt delay p99: the time the pipeline adds, ms. */
  addedP99: number | null;
  /** Fewest viewers that received a window, and how many were connected. */
  minReceivedBy: number;
  viewers: number;
}

/** What a run learned about its load generator (from the producers' summary). */
export interface GeneratorFigures {
  /** The generator itself was at its limit (thresholds: producers' GENERATOR_BOUND). */
  bound: boolean;
  /** Not bound, but late to its schedule: the machine did not give it the CPU in time. */
  late: boolean;
  reasons: string[];
  /** The generator's process CPU while sending, % of one core. */
  cpuPercent: number;
  threads: number;
  eventLoopUtilization: number[];
  scheduleLagP99Ms: number | null;
  /** Batches dropped because the generator fell behind. */
  missedLate: number;
}

export interface PointRun {
  target: TargetName;
  series: SeriesName;
  batchSize: number;
  offeredRate: number;
  /** Simulated hosts, how they connected, and over how many connections. */
  hosts: number;
  connectionModel: 'per-host' | 'pooled';
  connections: number;
  repeat: number;
  durationS: number;
  /** Acknowledged samples per second over the steady (after-ramp) sending time. */
  achievedRate: number;
  /** How the batches went on the wire, and their body bytes per sample (no HTTP or frame headers). */
  encoding: 'json' | 'msgpack';
  bodyBytesPerSample: number | null;
  sentRate: number;
  /** Acknowledged samples over samples due (sent + missed); null when nothing was due. */
  ackedShare: number | null;
  /** Ack latency from each batch's scheduled time (what the fleet sees), steady part, ms. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  /** Ack latency from the final send (the system's service time), ms. */
  serviceMs: { p50: number | null; p99: number | null };
  generator: GeneratorFigures;
  samples: {
    sent: number;
    acknowledged: number;
    duplicates: number;
    refused: number;
    failed: number;
    missed: number;
  };
  retries: number;
  errors: Record<string, number>;
  lag: LagFigures | null;
  reconciliation: Reconciliation;
  /** CPU (% of one core) and RSS (MiB) per process over the steady sending time, incl. `load-generator` and `viewers`. */
  processes: Record<string, ProcUsage>;
  /** Per process: RSS growth over the run divided by the run's connections, KiB (what one connection costs). */
  rssPerConnectionKiB: Record<string, number>;
  aborted: boolean;
}

export interface Spread {
  min: number | null;
  median: number | null;
  max: number | null;
}

export interface StepResult {
  target: TargetName;
  series: SeriesName;
  batchSize: number;
  offeredRate: number;
  hosts: number;
  connectionModel: 'per-host' | 'pooled';
  runs: PointRun[];
  achievedRate: Spread;
  ackedShare: Spread;
  /** Batch body bytes per sample sent (the encoding's share of the wire). */
  bodyBytesPerSample: Spread;
  /** Ack latency from the schedule. */
  p50: Spread;
  p99: Spread;
  serviceP99: Spread;
  lagP99: Spread;
  addedP99: Spread;
  deliveryP50: Spread;
  deliveryP99: Spread;
  /** Median CPU % per process over the repeats. */
  cpuPercent: Record<string, number>;
  rssMaxMiB: Record<string, number>;
  /** Median RSS growth per connection, KiB, per process. */
  rssPerConnectionKiB: Record<string, number>;
  /** Some repeat's generator was at its own limit: the step measured the generator, not only the system. */
  generatorBound: boolean;
  /** Some repeat's generator was late though not busy: the machine was full; latency includes that lateness. */
  generatorLate: boolean;
  generatorReasons: string[];
  zeroLoss: boolean;
  passed: boolean;
  /** Why it did not pass, in words. */
  verdict: string;
}

export interface LadderResult {
  target: TargetName;
  series: SeriesName;
  /** What the steps climb in: samples/s (single, batched) or hosts (fleet). */
  unit: 'samples/s' | 'hosts';
  steps: StepResult[];
  /** Highest passing step before the first failing one, in `unit`; null when the first step failed. */
  knee: number | null;
  /**
   * What ended the climb: the system failed a step; the generator could not keep its schedule (the
   * system's limit is at least the knee, not measured); or every step passed.
   */
  limitedBy: 'system' | 'generator' | 'ladder-top';
  /** Highest median achieved rate over the ladder, samples/s. */
  peakAchieved: number | null;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  redis: string;
  os: string;
  date: string;
  /** 1-minute load average when the run started and ended: above the core count, other work shared the machine. */
  loadAverage: { start: number; end?: number };
}

export interface CpuProfileSummary {
  process: string;
  file: string;
  /** Sampled time, and the part of it not idle (waiting for I/O). */
  totalMs: number;
  busyMs: number;
  /** Functions with the most self time; percentages are of busy time. */
  top: { name: string; location: string; selfMs: number; selfPercent: number }[];
  /** Self time added up by package or folder, percentages of busy time. */
  modules: { module: string; selfMs: number; selfPercent: number }[];
}

export interface ComparisonSummary {
  machine: MachineInfo;
  command: string;
  options: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
  aborted: boolean;
  ladders: LadderResult[];
  reconciliationFailures: string[];
  viewers: { perSystem: number; sseShare: number; disconnects: number; errors: Record<string, number> };
  profiles: CpuProfileSummary[];
  notes: string[];
}

export function spread(values: (number | null)[]): Spread {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (known.length === 0) return { min: null, median: null, max: null };
  const mid = Math.floor(known.length / 2);
  const median = known.length % 2 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
  return { min: known[0]!, median: Math.round(median * 1000) / 1000, max: known.at(-1)! };
}

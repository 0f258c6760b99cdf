// The shapes a comparison records: one run of one point, a step (a point's repeats with their
// spread), a pipeline's ladder with its knee, and the whole comparison (summary.json).
import type { ProcUsage } from './proc-stats.js';
import type { SeriesName } from './options.js';

/** What was driven: the four pipelines and the two bare baselines. */
export const TARGET_NAMES = ['bare-http', 'http1', 'h2c', 'h2', 'bare-ws', 'ws'] as const;
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
  /** Median over windows of the viewers' receipt delay p50 (frame arrival minus window end), ms. */
  deliveryP50: number | null;
  /** Worst window's viewer receipt delay p99, ms. */
  deliveryP99: number | null;
  /** Worst window of (lagP99 beyond the window length) + receipt delay p99: the time the pipeline adds, ms. */
  addedP99: number | null;
  /** Fewest viewers that received a window, and how many were connected. */
  minReceivedBy: number;
  viewers: number;
}

export interface PointRun {
  target: TargetName;
  series: SeriesName;
  batchSize: number;
  offeredRate: number;
  repeat: number;
  durationS: number;
  /** Acknowledged samples per second over the sending time. */
  achievedRate: number;
  sentRate: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
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
  /** CPU (% of one core) and RSS (MiB) per process over the sending time, incl. `load-generator` and `viewers`. */
  processes: Record<string, ProcUsage>;
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
  runs: PointRun[];
  achievedRate: Spread;
  p50: Spread;
  p99: Spread;
  lagP99: Spread;
  addedP99: Spread;
  deliveryP99: Spread;
  /** Median CPU % per process over the repeats. */
  cpuPercent: Record<string, number>;
  rssMaxMiB: Record<string, number>;
  zeroLoss: boolean;
  passed: boolean;
  /** Why it did not pass, in words. */
  verdict: string;
}

export interface LadderResult {
  target: TargetName;
  series: SeriesName;
  steps: StepResult[];
  /** Highest passing rate before the first failing step, samples/s; null when the first step failed. */
  knee: number | null;
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

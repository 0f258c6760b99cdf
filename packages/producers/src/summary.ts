// The run's JSON summary (LoadSummary) and how summaries from several threads or processes add up.
import type { HistogramSnapshot } from '@ingestlab/aggregation';
import {
  type CountersSnapshot,
  type EndToEndCounts,
  type OutcomeCounts,
  addCountersSnapshot,
  addEndToEnd,
  emptyCountersSnapshot,
  emptyEndToEnd,
} from './counters.js';
import { type GeneratorReport, judgeGenerator } from './generator-report.js';
import { type Percentiles, mergeSnapshots, percentilesOfSnapshot } from './percentiles.js';
import type { Encoding } from '@ingestlab/metric-schema';
import type { Target } from './transports/types.js';

export interface LoadOutcomes extends OutcomeCounts {
  /** Due by the schedule but never sent: the producer's backlog was full, or the generator fell behind. */
  missed: number;
  /** Due by the schedule: sent + missed. */
  due: number;
}

export interface LoadSummary {
  target: Target;
  /** How batches went on the wire: `json` or `msgpack`. */
  encoding: Encoding;
  url: string;
  seed: number;
  /** Hosts simulated, and each one's sample interval (ms). */
  hosts: number;
  intervalMs: number;
  batchSize: number;
  workers: number;
  /** `per-host`: one producer and connection per host; `pooled`: `connections` shared connections. */
  connectionModel: 'per-host' | 'pooled';
  /** Producers, one connection each, over all workers. */
  connections: number;
  /** Connections that opened (reconnects included), and that closed or failed after opening. */
  connectionsOpened: number;
  connectionsLost: number;
  /** Samples per second the schedule asked for (hosts / interval). */
  targetRate: number;
  startedAt: string;
  /** The ramp: producers' first batches spread over this long, ms. Latency counts only batches due after it. */
  rampMs: number;
  /** Sending time, ramp included, ms. */
  elapsedMs: number;
  /** Sending time after the ramp (the measured, steady part), ms. */
  steadyMs: number;
  /** Why sending stopped: the duration ran out, or the run was aborted (Ctrl-C, signal). */
  stoppedBy: 'duration' | 'abort';
  batches: LoadOutcomes;
  samples: LoadOutcomes;
  /** Missed batches by cause. */
  missedBy: { backlog: number; generator: number };
  /** Acknowledged samples over due samples (1 = everything the fleet measured got through); null when nothing was due. */
  ackedShare: number | null;
  /** Samples of batches due after the ramp, and of those the acknowledged: the steady part's accounting. */
  steady: { dueSamples: number; acknowledgedSamples: number };
  /** Extra attempts beyond the first, over all batches. */
  retries: number;
  /**
   * Bytes of the batch bodies sent (first attempts), and per sample sent: the encoding's share of the
   * wire, without HTTP headers or WebSocket frame headers.
   */
  bodyBytes: { total: number; perSample: number | null };
  /** Samples per second: first sends over the whole sending time; acknowledged over the steady part. */
  rates: { sentPerSec: number; acknowledgedPerSec: number };
  /**
   * Ack latency, ms, of batches due after the ramp: from the batch's scheduled time (what a fleet
   * sees: queueing, retries and a late generator included), and the final attempt's send to its ack.
   */
  latencyMs: { fromSchedule: Percentiles; service: Percentiles };
  /** The generator's own measure: CPU, event loops, schedule lag, and whether it was the limit. */
  generator: GeneratorReport;
  /** Error kinds seen on attempts and their counts (e.g. `status-503`, `timeout`, `connection-lost`). */
  errors: Record<string, number>;
  /** Each producer's name and the number of batches (seqs) it used: seq ran from 0 to batches-1. */
  producers: { name: string; batches: number }[];
  /**
   * With end-to-end acknowledgements (ws `endToEnd`): batches kept until committed, committed,
   * replayed after reconnects (and how the server judged them), never committed, the retention's
   * peak bytes and its backpressure waits. Absent when off.
   */
  endToEnd?: EndToEndCounts;
  /** The raw histograms, so summaries can be merged exactly. */
  histograms: { fromSchedule: HistogramSnapshot; service: HistogramSnapshot; scheduleLag: HistogramSnapshot };
}

export interface SummaryInput {
  target: Target;
  encoding: Encoding;
  url: string;
  seed: number;
  hosts: number;
  intervalMs: number;
  batchSize: number;
  workers: number;
  connectionModel: 'per-host' | 'pooled';
  connections: number;
  startedAt: number;
  rampMs: number;
  elapsedMs: number;
  stoppedBy: 'duration' | 'abort';
  counters: CountersSnapshot;
  missedBatches: { backlog: number; generator: number };
  missedSamples: number;
  dueBatches: number;
  dueSamples: number;
  steadyDueSamples: number;
  /** Bytes of the batch bodies sent (first attempts). */
  bodyBytes: number;
  generator: { cpuPercent: number; eventLoopUtilization: number[]; scheduleLag: HistogramSnapshot };
  producers: { name: string; batches: number }[];
  /** Whether the run used end-to-end acknowledgements (the summary then carries `endToEnd`). */
  endToEnd?: boolean;
}

export function buildSummary(input: SummaryInput): LoadSummary {
  const { counters } = input;
  const steadyMs = Math.max(0, input.elapsedMs - input.rampMs);
  const missedBatches = input.missedBatches.backlog + input.missedBatches.generator;
  const seconds = input.elapsedMs / 1000;
  const steadySeconds = steadyMs / 1000;
  return {
    target: input.target,
    encoding: input.encoding,
    url: input.url,
    seed: input.seed,
    hosts: input.hosts,
    intervalMs: input.intervalMs,
    batchSize: input.batchSize,
    workers: input.workers,
    connectionModel: input.connectionModel,
    connections: input.connections,
    connectionsOpened: counters.connections.opened,
    connectionsLost: counters.connections.lost,
    targetRate: round((input.hosts * 1000) / input.intervalMs),
    startedAt: new Date(input.startedAt).toISOString(),
    rampMs: Math.round(input.rampMs),
    elapsedMs: Math.round(input.elapsedMs),
    steadyMs: Math.round(steadyMs),
    stoppedBy: input.stoppedBy,
    batches: { ...counters.batches, missed: missedBatches, due: input.dueBatches },
    samples: { ...counters.samples, missed: input.missedSamples, due: input.dueSamples },
    missedBy: { ...input.missedBatches },
    ackedShare:
      input.dueSamples > 0
        ? Math.round((counters.samples.acknowledged / input.dueSamples) * 1e6) / 1e6
        : null,
    steady: { dueSamples: input.steadyDueSamples, acknowledgedSamples: counters.steadyAcknowledgedSamples },
    retries: counters.retries,
    bodyBytes: {
      total: input.bodyBytes,
      perSample: counters.samples.sent > 0 ? round2(input.bodyBytes / counters.samples.sent) : null,
    },
    rates: {
      sentPerSec: seconds > 0 ? round(counters.samples.sent / seconds) : 0,
      acknowledgedPerSec:
        steadySeconds > 0
          ? round(counters.steadyAcknowledgedSamples / steadySeconds)
          : seconds > 0
            ? round(counters.samples.acknowledged / seconds)
            : 0,
    },
    latencyMs: {
      fromSchedule: percentilesOfSnapshot(counters.fromSchedule),
      service: percentilesOfSnapshot(counters.service),
    },
    generator: judgeGenerator({
      threads: input.workers,
      cpuPercent: input.generator.cpuPercent,
      eventLoopUtilization: input.generator.eventLoopUtilization,
      scheduleLag: input.generator.scheduleLag,
      missedLate: input.missedBatches.generator,
    }),
    errors: counters.errors,
    producers: input.producers,
    ...(input.endToEnd ? { endToEnd: addEndToEnd(emptyEndToEnd(), counters.endToEnd) } : {}),
    histograms: {
      fromSchedule: counters.fromSchedule,
      service: counters.service,
      scheduleLag: input.generator.scheduleLag,
    },
  };
}

/** The counts of a summary as counters again (for merging). */
function countersOf(summary: LoadSummary): CountersSnapshot {
  const outcomes = ({ sent, acknowledged, duplicates, refused, failed }: LoadOutcomes): OutcomeCounts => ({
    sent,
    acknowledged,
    duplicates,
    refused,
    failed,
  });
  return {
    batches: outcomes(summary.batches),
    samples: outcomes(summary.samples),
    retries: summary.retries,
    errors: { ...summary.errors },
    connections: { opened: summary.connectionsOpened, lost: summary.connectionsLost },
    steadyAcknowledgedSamples: summary.steady.acknowledgedSamples,
    fromSchedule: summary.histograms.fromSchedule,
    service: summary.histograms.service,
    endToEnd: summary.endToEnd ?? emptyEndToEnd(),
  };
}

/**
 * Adds up summaries of parts of one run (worker threads, or several producer processes): counts,
 * errors and histograms are summed, percentiles recomputed from the merged histograms; hosts,
 * workers, connections and generator CPU are summed; times are the longest.
 */
export function mergeSummaries(parts: readonly LoadSummary[]): LoadSummary {
  const first = parts[0];
  if (!first) throw new RangeError('mergeSummaries needs at least one summary');
  const counters = emptyCountersSnapshot();
  const missed = { backlog: 0, generator: 0 };
  let missedSamples = 0;
  let dueBatches = 0;
  let dueSamples = 0;
  let steadyDueSamples = 0;
  let bodyBytes = 0;
  let scheduleLag = first.histograms.scheduleLag;
  for (const [i, part] of parts.entries()) {
    addCountersSnapshot(counters, countersOf(part));
    missed.backlog += part.missedBy.backlog;
    missed.generator += part.missedBy.generator;
    missedSamples += part.samples.missed;
    dueBatches += part.batches.due;
    dueSamples += part.samples.due;
    steadyDueSamples += part.steady.dueSamples;
    bodyBytes += part.bodyBytes?.total ?? 0;
    if (i > 0) scheduleLag = mergeSnapshots(scheduleLag, part.histograms.scheduleLag);
  }
  return buildSummary({
    target: first.target,
    encoding: first.encoding,
    url: first.url,
    seed: first.seed,
    hosts: parts.reduce((sum, part) => sum + part.hosts, 0),
    intervalMs: first.intervalMs,
    batchSize: first.batchSize,
    workers: parts.reduce((sum, part) => sum + part.workers, 0),
    connectionModel: first.connectionModel,
    connections: parts.reduce((sum, part) => sum + part.connections, 0),
    startedAt: Math.min(...parts.map((part) => Date.parse(part.startedAt))),
    rampMs: Math.max(...parts.map((part) => part.rampMs)),
    elapsedMs: Math.max(...parts.map((part) => part.elapsedMs)),
    stoppedBy: parts.some((part) => part.stoppedBy === 'abort') ? 'abort' : 'duration',
    counters,
    missedBatches: missed,
    missedSamples,
    dueBatches,
    bodyBytes,
    dueSamples,
    steadyDueSamples,
    generator: {
      cpuPercent: parts.reduce((sum, part) => sum + part.generator.cpuPercent, 0),
      eventLoopUtilization: parts.flatMap((part) => part.generator.eventLoopUtilization),
      scheduleLag,
    },
    producers: parts.flatMap((part) => part.producers),
    endToEnd: parts.some((part) => part.endToEnd !== undefined),
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

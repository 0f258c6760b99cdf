// The run's JSON summary (LoadSummary) and how summaries from several workers or processes add up.
import { type Counters, addCounters, emptyCounters } from './counters.js';
import { type HistogramData, type Percentiles, percentiles } from './histogram.js';
import type { OutcomeCounts } from './counters.js';
import type { Target } from './transports/types.js';

export interface LoadOutcomes extends OutcomeCounts {
  /** Due by the schedule but never sent, because the concurrency limit held the producer back. */
  missed: number;
}

export interface LoadSummary {
  target: Target;
  url: string;
  seed: number;
  /** Hosts simulated, and each one's sample interval (ms). */
  hosts: number;
  intervalMs: number;
  batchSize: number;
  workers: number;
  /** Connections (producers) over all workers. */
  connections: number;
  /** Samples per second the schedule asked for (hosts / interval). */
  targetRate: number;
  startedAt: string;
  elapsedMs: number;
  /** Why sending stopped: the duration ran out, or the run was aborted (Ctrl-C, signal). */
  stoppedBy: 'duration' | 'abort';
  batches: LoadOutcomes;
  samples: LoadOutcomes;
  /** Extra attempts beyond the first, over all batches. */
  retries: number;
  /** Samples per second over the run: first sends, and acknowledgements. */
  rates: { sentPerSec: number; acknowledgedPerSec: number };
  /** Ack latency (first send to final ack), ms. */
  latencyMs: Percentiles;
  /** Error kinds seen on attempts and their counts (e.g. `status-503`, `timeout`, `connection-lost`). */
  errors: Record<string, number>;
  /** Each producer's name and the number of batches (seqs) it used: seq ran from 0 to batches-1. */
  producers: { name: string; batches: number }[];
  /** The raw latency histogram, so summaries can be merged exactly. */
  histogram: HistogramData;
}

export interface SummaryInput {
  target: Target;
  url: string;
  seed: number;
  hosts: number;
  intervalMs: number;
  batchSize: number;
  workers: number;
  connections: number;
  startedAt: number;
  elapsedMs: number;
  stoppedBy: 'duration' | 'abort';
  counters: Counters;
  missedBatches: number;
  missedSamples: number;
  producers: { name: string; batches: number }[];
}

export function buildSummary(input: SummaryInput): LoadSummary {
  const { counters } = input;
  const seconds = input.elapsedMs / 1000;
  return {
    target: input.target,
    url: input.url,
    seed: input.seed,
    hosts: input.hosts,
    intervalMs: input.intervalMs,
    batchSize: input.batchSize,
    workers: input.workers,
    connections: input.connections,
    targetRate: round((input.hosts * 1000) / input.intervalMs),
    startedAt: new Date(input.startedAt).toISOString(),
    elapsedMs: Math.round(input.elapsedMs),
    stoppedBy: input.stoppedBy,
    batches: { ...counters.batches, missed: input.missedBatches },
    samples: { ...counters.samples, missed: input.missedSamples },
    retries: counters.retries,
    rates: {
      sentPerSec: seconds > 0 ? round(counters.samples.sent / seconds) : 0,
      acknowledgedPerSec: seconds > 0 ? round(counters.samples.acknowledged / seconds) : 0,
    },
    latencyMs: percentiles(counters.latency),
    errors: counters.errors,
    producers: input.producers,
    histogram: counters.latency,
  };
}

/**
 * Adds up summaries of parts of one run (worker threads, or several producer processes): counts,
 * errors and histograms are summed, percentiles recomputed from the merged histogram; hosts,
 * workers and connections are summed; elapsed time is the longest.
 */
export function mergeSummaries(parts: readonly LoadSummary[]): LoadSummary {
  const first = parts[0];
  if (!first) throw new RangeError('mergeSummaries needs at least one summary');
  const counters = emptyCounters();
  let missedBatches = 0;
  let missedSamples = 0;
  for (const part of parts) {
    addCounters(counters, {
      batches: part.batches,
      samples: part.samples,
      retries: part.retries,
      errors: part.errors,
      latency: part.histogram,
    });
    missedBatches += part.batches.missed;
    missedSamples += part.samples.missed;
  }
  const hosts = parts.reduce((sum, part) => sum + part.hosts, 0);
  return buildSummary({
    target: first.target,
    url: first.url,
    seed: first.seed,
    hosts,
    intervalMs: first.intervalMs,
    batchSize: first.batchSize,
    workers: parts.reduce((sum, part) => sum + part.workers, 0),
    connections: parts.reduce((sum, part) => sum + part.connections, 0),
    startedAt: Math.min(...parts.map((part) => Date.parse(part.startedAt))),
    elapsedMs: Math.max(...parts.map((part) => part.elapsedMs)),
    stoppedBy: parts.some((part) => part.stoppedBy === 'abort') ? 'abort' : 'duration',
    counters,
    missedBatches,
    missedSamples,
    producers: parts.flatMap((part) => part.producers),
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

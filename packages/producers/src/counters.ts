// What senders count: batches and samples through each outcome, retries, errors by kind, connections
// opened and lost, and two latency histograms (from the schedule, and the final attempt's service
// time). One Counters object is shared by all the connections of a thread; `snapshotCounters` turns it
// into plain data that worker threads post and runs add up.
import { Histogram, type HistogramSnapshot } from '@ingestlab/aggregation';
import { mergeSnapshots } from './percentiles.js';

export interface OutcomeCounts {
  /** First attempts only: each batch counts once however often it is retried. */
  sent: number;
  /** Acknowledged by the system (202 or an ack frame), duplicates included. */
  acknowledged: number;
  /** Of the acknowledged, those the system said it had already counted (`duplicate: true`). */
  duplicates: number;
  /** Refused for good (400, 401, 413, 415, or a nack without retryAfterMs): not retried. */
  refused: number;
  /** Given up after the last attempt or the deadline, or still unanswered when the run stopped. */
  failed: number;
}

/**
 * End-to-end acknowledgements (ws with `endToEnd`): what producers kept until the server said it was
 * published, and what they had to send again. Batches and samples; all zero when off.
 */
export interface EndToEndCounts {
  /** Acknowledged batches kept until a commit covered them. */
  retained: { batches: number; samples: number };
  /** Of those, released because a commit frame covered their window. */
  committed: { batches: number; samples: number };
  /** Sends of a kept batch again after a reconnect (one batch may be sent again more than once). */
  replayed: { batches: number; samples: number };
  /** Of the replays, those the server answered as duplicates (their window had been published). */
  replayDuplicates: { batches: number; samples: number };
  /** Of the replays, those the server folded again (their window died unpublished with a server life). */
  refolded: { batches: number; samples: number };
  /** Still kept when the run ended: acknowledged but never committed. */
  uncommitted: { batches: number; samples: number };
  /** The most bytes of batch bodies kept at once (per thread; threads add up). */
  peakBytes: number;
  /** Times a send waited because the retention bound was reached (backpressure). */
  waits: number;
}

export interface Counters {
  batches: OutcomeCounts;
  samples: OutcomeCounts;
  /** Extra attempts beyond the first, over all batches. */
  retries: number;
  /** Error kinds seen on attempts (e.g. `status-503`, `timeout`, `connection-lost`) and how often. */
  errors: Record<string, number>;
  /** Connections (sockets, HTTP/2 sessions, WebSockets) that opened, and that closed or failed after opening. */
  connections: { opened: number; lost: number };
  /** Samples acknowledged whose batch was due in the measured (steady) part of a run. */
  steadyAcknowledgedSamples: number;
  /** Ack latency from the batch's scheduled (due) time: what a fleet sees, waiting included. ms. */
  fromSchedule: Histogram;
  /** Ack latency of the final attempt alone, from its send to its answer: the system's service time. ms. */
  service: Histogram;
  endToEnd: EndToEndCounts;
}

/** Counters as plain data (histograms as snapshots): posted between threads and merged. */
export interface CountersSnapshot extends Omit<Counters, 'fromSchedule' | 'service'> {
  fromSchedule: HistogramSnapshot;
  service: HistogramSnapshot;
}

export function emptyOutcomes(): OutcomeCounts {
  return { sent: 0, acknowledged: 0, duplicates: 0, refused: 0, failed: 0 };
}

export function emptyEndToEnd(): EndToEndCounts {
  const zero = () => ({ batches: 0, samples: 0 });
  return {
    retained: zero(),
    committed: zero(),
    replayed: zero(),
    replayDuplicates: zero(),
    refolded: zero(),
    uncommitted: zero(),
    peakBytes: 0,
    waits: 0,
  };
}

/** Adds `from` into `into`. */
export function addEndToEnd(into: EndToEndCounts, from: EndToEndCounts): EndToEndCounts {
  for (const key of [
    'retained',
    'committed',
    'replayed',
    'replayDuplicates',
    'refolded',
    'uncommitted',
  ] as const) {
    into[key].batches += from[key].batches;
    into[key].samples += from[key].samples;
  }
  into.peakBytes += from.peakBytes;
  into.waits += from.waits;
  return into;
}

function copyEndToEnd(from: EndToEndCounts): EndToEndCounts {
  return addEndToEnd(emptyEndToEnd(), from);
}

export function emptyCounters(): Counters {
  return {
    batches: emptyOutcomes(),
    samples: emptyOutcomes(),
    retries: 0,
    errors: {},
    connections: { opened: 0, lost: 0 },
    steadyAcknowledgedSamples: 0,
    fromSchedule: new Histogram(),
    service: new Histogram(),
    endToEnd: emptyEndToEnd(),
  };
}

export function addOutcomes(into: OutcomeCounts, from: OutcomeCounts): OutcomeCounts {
  into.sent += from.sent;
  into.acknowledged += from.acknowledged;
  into.duplicates += from.duplicates;
  into.refused += from.refused;
  into.failed += from.failed;
  return into;
}

export function countError(counters: { errors: Record<string, number> }, kind: string): void {
  counters.errors[kind] = (counters.errors[kind] ?? 0) + 1;
}

/** A deep, plain copy: later sends do not change it. `withHistograms: false` leaves them empty (cheap progress). */
export function snapshotCounters(counters: Counters, withHistograms = true): CountersSnapshot {
  return {
    batches: { ...counters.batches },
    samples: { ...counters.samples },
    retries: counters.retries,
    errors: { ...counters.errors },
    connections: { ...counters.connections },
    steadyAcknowledgedSamples: counters.steadyAcknowledgedSamples,
    fromSchedule: (withHistograms ? counters.fromSchedule : new Histogram()).toSnapshot(),
    service: (withHistograms ? counters.service : new Histogram()).toSnapshot(),
    endToEnd: copyEndToEnd(counters.endToEnd),
  };
}

export function emptyCountersSnapshot(): CountersSnapshot {
  return snapshotCounters(emptyCounters());
}

/** Adds `from` into `into` (counts, errors, connections; histograms merged exactly). */
export function addCountersSnapshot(into: CountersSnapshot, from: CountersSnapshot): CountersSnapshot {
  addOutcomes(into.batches, from.batches);
  addOutcomes(into.samples, from.samples);
  into.retries += from.retries;
  for (const [kind, count] of Object.entries(from.errors))
    into.errors[kind] = (into.errors[kind] ?? 0) + count;
  into.connections.opened += from.connections.opened;
  into.connections.lost += from.connections.lost;
  into.steadyAcknowledgedSamples += from.steadyAcknowledgedSamples;
  into.fromSchedule = mergeSnapshots(into.fromSchedule, from.fromSchedule);
  into.service = mergeSnapshots(into.service, from.service);
  // snapshots from before end-to-end counting (hand-made ones) may lack it
  if (from.endToEnd) addEndToEnd(into.endToEnd, from.endToEnd);
  return into;
}

// What one sender counts: batches and samples through each outcome, retries, errors by kind, and
// the ack latency histogram. Plain data, so worker threads can post it and runs can add it up.
import { type HistogramData, emptyHistogram, mergeHistograms } from './histogram.js';

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

export interface Counters {
  batches: OutcomeCounts;
  samples: OutcomeCounts;
  /** Extra attempts beyond the first, over all batches. */
  retries: number;
  /** Error kinds seen on attempts (e.g. `status-503`, `timeout`, `connection-lost`) and how often. */
  errors: Record<string, number>;
  /** Ack latency, first send to final ack, in ms. */
  latency: HistogramData;
}

export function emptyOutcomes(): OutcomeCounts {
  return { sent: 0, acknowledged: 0, duplicates: 0, refused: 0, failed: 0 };
}

export function emptyCounters(): Counters {
  return {
    batches: emptyOutcomes(),
    samples: emptyOutcomes(),
    retries: 0,
    errors: {},
    latency: emptyHistogram(),
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

export function addCounters(into: Counters, from: Counters): Counters {
  addOutcomes(into.batches, from.batches);
  addOutcomes(into.samples, from.samples);
  into.retries += from.retries;
  for (const [kind, count] of Object.entries(from.errors))
    into.errors[kind] = (into.errors[kind] ?? 0) + count;
  mergeHistograms(into.latency, from.latency);
  return into;
}

export function countError(counters: Counters, kind: string): void {
  counters.errors[kind] = (counters.errors[kind] ?? 0) + 1;
}

/** A deep copy, so a snapshot handed out is not changed by later sends. */
export function cloneCounters(counters: Counters): Counters {
  return addCounters(emptyCounters(), counters);
}

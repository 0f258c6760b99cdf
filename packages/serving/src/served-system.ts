// The seam between a system and the serving core: what a system (or, later, a merger of shards)
// implements so the core can serve /stats, /readyz, /api/history, /metrics and /live for it.
import type { LiveHub } from '@ingestlab/fanout';
import type { HistoryRange, Readiness, Stats, SystemName, Window } from '@ingestlab/metric-schema';

/** Why a batch (or an ingest connection) was refused: the `reason` label of the rejected-batches family. */
export type RefusalReason =
  | 'invalid'
  | 'not-json'
  | 'not-msgpack'
  | 'binary'
  | 'too-large'
  | 'bad-utf8'
  | 'protocol'
  | 'too-old'
  | 'bad-token'
  | 'rate-limited'
  | 'overloaded'
  | 'unavailable';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'invalid',
  'not-json',
  'not-msgpack',
  'binary',
  'too-large',
  'bad-utf8',
  'protocol',
  'too-old',
  'bad-token',
  'rate-limited',
  'overloaded',
  'unavailable',
];

/**
 * Counts this process keeps as plain numbers on its hot path; the core reads them when /metrics is
 * scraped, so counting costs the ingest path nothing but an addition.
 */
export interface SharedCounters {
  /** Samples this process acknowledged (not duplicates). */
  acceptedSamples: number;
  /** Batches this process refused, by reason. */
  rejectedBatches: Readonly<Record<RefusalReason, number>>;
  /** Batches this process recognised as repeats of a known (producer, seq). */
  duplicateBatches: number;
  /** Windows this process closed and published. */
  windowsPublished: number;
}

/** A fresh set of zeroed counters, for a system to own and increment. */
export function sharedCounters(): SharedCounters & { rejectedBatches: Record<RefusalReason, number> } {
  const rejectedBatches = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<
    RefusalReason,
    number
  >;
  return { acceptedSamples: 0, rejectedBatches, duplicateBatches: 0, windowsPublished: 0 };
}

/** What a system gives the serving core. Every method must be cheap or bounded: routes call them per request. */
export interface ServedSystem {
  /** `http-redis` or `ws-memory`: the `system` in /stats, `hello` and every metric's label. */
  readonly name: SystemName;
  /** Window length, announced in `hello` and /api/history. */
  readonly windowMs: number;
  /** The live fan-out this system publishes its closed windows into; the core serves it and closes it. */
  readonly hub: LiveHub;
  /** The contract's accounting (`GET /stats`); a rejection answers 503 with retry-after. */
  stats(): Stats | Promise<Stats>;
  /** Whether it can take data now (`GET /readyz`). */
  readiness(): Readiness;
  /** The closed windows held for `range`, oldest first (`GET /api/history`); a rejection answers 503. */
  history(range: HistoryRange): Window[] | Promise<Window[]>;
  /** This process's counts for the shared metric families. */
  counters(): SharedCounters;
  /**
   * Called once when the app closes, before the live viewers are sent away: stop taking data and
   * finish what is owed (System 2 flushes its acks and publishes the open window). Optional.
   */
  drain?(): Promise<void>;
}

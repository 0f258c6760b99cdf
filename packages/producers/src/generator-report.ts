// The load generator's measure of itself: its CPU, each thread's event-loop utilisation and how late
// batches left compared with when they were due; and the verdict "generator-bound" when those say the
// generator, not the system, set the pace. The thresholds are here, once.
import type { HistogramSnapshot } from '@ingestlab/aggregation';
import { type Percentiles, percentilesOfSnapshot } from './percentiles.js';

/** When a run counts as generator-bound (any one is enough). */
export const GENERATOR_BOUND = {
  /**
   * Release lag p99 above this, ms: 1 % of batches left more than 50 ms after they were due. A thread
   * that keeps up releases within a timer tick or two (about 1–5 ms, up to ~20 ms across a GC pause).
   */
  scheduleLagP99Ms: 50,
  /**
   * A thread's event loop busy more than this share of the run: it has no room left to keep its
   * schedule when anything else (a GC, a burst of acks) comes along.
   */
  eventLoopUtilization: 0.9,
  /** Any batch dropped because the generator fell more than maxLagMs (default 1 s) behind. */
  missedLate: 0,
} as const;

export interface GeneratorReport {
  /** Threads that ran producers. */
  threads: number;
  /** CPU of the generator's process over the run (all its threads), % of one core; 0 when not measured. */
  cpuPercent: number;
  /** Each producer thread's event-loop utilisation over the sending time, 0–1. */
  eventLoopUtilization: number[];
  /** How late the generator got to each batch compared with when it was due (steady part of the run), ms. */
  scheduleLagMs: Percentiles;
  /** Batches dropped because the generator fell more than maxLagMs behind its schedule. */
  missedLate: number;
  /** True when any GENERATOR_BOUND threshold was crossed: the run measured the generator, not only the system. */
  bound: boolean;
  /** Which thresholds were crossed, in words. */
  reasons: string[];
}

export interface GeneratorInput {
  threads: number;
  cpuPercent: number;
  eventLoopUtilization: number[];
  scheduleLag: HistogramSnapshot;
  missedLate: number;
}

export function judgeGenerator(input: GeneratorInput): GeneratorReport {
  const lag = percentilesOfSnapshot(input.scheduleLag);
  const reasons: string[] = [];
  if (lag.p99 !== null && lag.p99 > GENERATOR_BOUND.scheduleLagP99Ms) {
    reasons.push(`schedule lag p99 ${Math.round(lag.p99)} ms > ${GENERATOR_BOUND.scheduleLagP99Ms} ms`);
  }
  const busiest = Math.max(0, ...input.eventLoopUtilization);
  if (busiest > GENERATOR_BOUND.eventLoopUtilization) {
    reasons.push(
      `a producer thread's event loop was busy ${Math.round(busiest * 100)} % of the time (> ${GENERATOR_BOUND.eventLoopUtilization * 100} %)`,
    );
  }
  if (input.missedLate > GENERATOR_BOUND.missedLate) {
    reasons.push(`${input.missedLate} batches dropped: the generator fell more than its max lag behind`);
  }
  return {
    threads: input.threads,
    cpuPercent: Math.round(input.cpuPercent * 10) / 10,
    eventLoopUtilization: input.eventLoopUtilization.map((u) => Math.round(u * 1000) / 1000),
    scheduleLagMs: lag,
    missedLate: input.missedLate,
    bound: reasons.length > 0,
    reasons,
  };
}

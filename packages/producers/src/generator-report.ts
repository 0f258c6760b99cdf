// The load generator's measure of itself: its CPU, each thread's event-loop utilisation and how late
// it got to batches compared with when they were due; and two verdicts: "generator-bound" when the
// generator itself was at its limit (so it, not the system, set the pace), and "late" when it was not
// busy yet did not get the CPU in time (the machine was full). The thresholds are here, once.
import type { HistogramSnapshot } from '@ingestlab/aggregation';
import { type Percentiles, percentilesOfSnapshot } from './percentiles.js';

/** The thresholds of the two verdicts. */
export const GENERATOR_BOUND = {
  /**
   * Generator-bound: a producer thread's event loop busy more than this share of the steady run. It
   * has no room left to keep its schedule when anything else (a GC, a burst of acks) comes along.
   */
  eventLoopUtilization: 0.9,
  /** Generator-bound: more batches than this dropped because the generator fell more than maxLagMs (1 s) behind. */
  missedLate: 0,
  /**
   * Late (when not generator-bound): schedule lag p99 above this, ms. A thread that keeps up gets to
   * its batches within a timer tick or two (about 1–5 ms, ~20 ms across a GC pause); an idle thread
   * that is still late was not given the CPU: the machine was full (the systems under test, or other
   * work). Latency from the schedule then includes that lateness.
   */
  scheduleLagP99Ms: 50,
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
  /** The generator itself was at its limit (a thread's event loop saturated, or batches dropped for lateness). */
  bound: boolean;
  /** Not bound, but its schedule lag p99 passed the threshold: it did not get the CPU in time. */
  late: boolean;
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
  const busiest = Math.max(0, ...input.eventLoopUtilization);
  if (busiest > GENERATOR_BOUND.eventLoopUtilization) {
    reasons.push(
      `a producer thread's event loop was busy ${Math.round(busiest * 100)} % of the time (> ${GENERATOR_BOUND.eventLoopUtilization * 100} %)`,
    );
  }
  if (input.missedLate > GENERATOR_BOUND.missedLate) {
    reasons.push(`${input.missedLate} batches dropped: the generator fell more than its max lag behind`);
  }
  const bound = reasons.length > 0;
  const lagged = lag.p99 !== null && lag.p99 > GENERATOR_BOUND.scheduleLagP99Ms;
  if (lagged) {
    reasons.push(
      `schedule lag p99 ${Math.round(lag.p99 ?? 0)} ms > ${GENERATOR_BOUND.scheduleLagP99Ms} ms` +
        (bound
          ? ''
          : ' while no producer thread was busy: it did not get the CPU in time (the machine was full)'),
    );
  }
  return {
    threads: input.threads,
    cpuPercent: Math.round(input.cpuPercent * 10) / 10,
    eventLoopUtilization: input.eventLoopUtilization.map((u) => Math.round(u * 1000) / 1000),
    scheduleLagMs: lag,
    missedLate: input.missedLate,
    bound,
    late: !bound && lagged,
    reasons,
  };
}

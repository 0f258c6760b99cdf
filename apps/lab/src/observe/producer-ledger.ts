// What one system's producers have done, as the lab saw it: totals over every load-host life, a
// short history of (time, acknowledged) to tell how many were acknowledged by any past moment, and
// the ack probe's latencies.
import { type RunCounts, ZERO_COUNTS } from '../load/producers-adapter.js';

/** How much (time, acknowledged) history to keep (4 pairs a second: about 2 MB for two hours). */
const HISTORY_MS = 2 * 60 * 60_000;

export class ProducerLedger {
  /** Totals of load-host processes that have ended (a host that crashed and was started again). */
  #base: RunCounts = { ...ZERO_COUNTS };
  #latest: RunCounts = { ...ZERO_COUNTS };
  #running = 0;
  #draining = 0;
  #lastReportAt = 0;
  /** [at, acknowledged total] pairs, oldest first. */
  readonly #acks: [number, number][] = [];
  /** [at, latency ms] of probe acks, oldest first. */
  readonly #probe: [number, number][] = [];
  /** False once old history has been dropped. */
  #complete = true;

  /** A load host's report: its running totals as of `at`. */
  report(at: number, totals: RunCounts, running: number, draining: number, probe: [number, number][]): void {
    this.#latest = totals;
    this.#running = running;
    this.#draining = draining;
    this.#lastReportAt = at;
    const acknowledged = this.totals().acknowledged;
    const last = this.#acks[this.#acks.length - 1];
    if (!last || at > last[0]) this.#acks.push([at, acknowledged]);
    this.#probe.push(...probe);
    const horizon = at - HISTORY_MS;
    while ((this.#acks[0]?.[0] ?? horizon) < horizon) {
      this.#acks.shift();
      this.#complete = false;
    }
    while ((this.#probe[0]?.[0] ?? horizon) < horizon) this.#probe.shift();
  }

  /** The load host is a new process: what the old one counted is kept as a base. */
  newLife(): void {
    this.#base = this.totals();
    this.#base.inFlight = 0;
    this.#latest = { ...ZERO_COUNTS };
  }

  totals(): RunCounts {
    const b = this.#base;
    const l = this.#latest;
    return {
      sent: b.sent + l.sent,
      acknowledged: b.acknowledged + l.acknowledged,
      refused: b.refused + l.refused,
      failed: b.failed + l.failed,
      missed: b.missed + l.missed,
      retries: b.retries + l.retries,
      inFlight: l.inFlight,
    };
  }

  /** Runs sending now, and runs stopped but still waiting for acks. */
  get running(): number {
    return this.#running;
  }

  get draining(): number {
    return this.#draining;
  }

  get lastReportAt(): number {
    return this.#lastReportAt;
  }

  /**
   * Samples acknowledged by time `at`, interpolated between the reports around it; null when `at`
   * is after the newest report (not known yet) or before the history kept.
   */
  acknowledgedAt(at: number): number | null {
    const acks = this.#acks;
    const last = acks[acks.length - 1];
    if (!last || at > last[0]) return null;
    let lo = 0;
    let hi = acks.length - 1;
    if (at < acks[0]![0]) return null;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (acks[mid]![0] <= at) lo = mid;
      else hi = mid;
    }
    const [t0, a0] = acks[lo]!;
    const [t1, a1] = acks[hi]!;
    if (t1 === t0) return a1;
    return a0 + ((a1 - a0) * (at - t0)) / (t1 - t0);
  }

  /**
   * Acknowledged by `at`, also before the first report (0: nothing was sent before it) as long as
   * no history has been dropped; null when not known.
   */
  acknowledgedSince(at: number): number | null {
    const first = this.#acks[0];
    if (first && at < first[0]) return this.#complete ? 0 : null;
    return this.acknowledgedAt(at);
  }

  /** The time of the last report whose acknowledged total is below the current one: the last ack seen. */
  lastAckAt(): number | null {
    const acks = this.#acks;
    const last = acks[acks.length - 1];
    if (!last) return null;
    for (let i = acks.length - 2; i >= 0; i--) if (acks[i]![1] < last[1]) return acks[i + 1]![0];
    return acks[0]![0];
  }

  /** Acknowledged per second over the last `spanMs`. */
  ackRate(now: number, spanMs = 3000): number {
    const newest = this.#acks[this.#acks.length - 1];
    if (!newest) return 0;
    const from = this.acknowledgedAt(Math.max(now - spanMs, this.#acks[0]![0]));
    if (from === null || newest[0] <= now - spanMs - 1000) return 0;
    const span = newest[0] - Math.max(now - spanMs, this.#acks[0]![0]);
    return span > 0 ? ((newest[1] - from) * 1000) / span : 0;
  }

  /** Probe ack latencies (ms) between `from` and `to`. */
  probeLatencies(from: number, to = Number.POSITIVE_INFINITY): number[] {
    return this.#probe.filter(([at]) => at >= from && at < to).map(([, ms]) => ms);
  }
}

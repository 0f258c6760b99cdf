// One system's live scoreboard: what its producers had acknowledged against what reached the windows
// it published, compared at a window boundary so the open window does not count as lost; what is
// still in flight (System 1's queue, the open window); the loss, exact once everything has drained;
// and what each fault cost, measured once the system has recovered and settled.
import type { LabFaultCost, LabScoreboard } from '@ingestlab/metric-schema';
import type { ProducerLedger } from './producer-ledger.js';
import type { LiveTally } from './live-tally.js';
import { p99 } from './percentile.js';
import type { StatsPoller } from './stats-poller.js';

export interface SystemScoreOptions {
  /** True for System 1: the loss is known only when its queue is empty. */
  queued: boolean;
  ledger: ProducerLedger;
  tally: LiveTally;
  stats: StatsPoller;
  /** Every process of the system runs (not killed, stopped or paused). */
  whole: () => boolean;
  /** No load run sending or draining for this system. */
  loadSettled: () => boolean;
  /** Samples per batch of the load now (to turn queued batches into samples), and its target rate. */
  load: () => { batch: number; targetRate: number } | null;
}

interface FaultEntry extends LabFaultCost {
  /** The window boundary just before the fault, and the queue then (samples). */
  boundary: number;
  queuedBefore: number;
  /** acknowledged − aggregated at `boundary`, once known. */
  gapBefore: number | null;
  /** When the system was last seen whole again after the fault. */
  wholeSince: number | null;
}

export interface LossEstimate {
  /** Acknowledged and not in any window, at the boundary `at`; null when the queue hides it. */
  lost: number | null;
  exact: boolean;
  at: number;
}

export class SystemScore {
  readonly #faults: FaultEntry[] = [];

  constructor(private readonly options: SystemScoreOptions) {}

  /** The newest window boundary both the windows and the producers' reports have passed. */
  boundary(): number | null {
    const { tally, ledger } = this.options;
    const windowMs = tally.windowMs;
    let b = tally.newestEnd;
    if (b === 0) return null;
    while (b > ledger.lastReportAt) b -= windowMs;
    return b > 0 ? b : null;
  }

  /** acknowledged − aggregated at boundary b (queued and lost together), or null when not known. */
  gapAt(b: number): number | null {
    const acknowledged = this.options.ledger.acknowledgedAt(b);
    if (acknowledged === null) return null;
    return acknowledged - this.options.tally.samplesUpTo(b);
  }

  lossEstimate(now = Date.now()): LossEstimate {
    const b = this.boundary();
    if (b === null) return { lost: null, exact: false, at: now };
    const gap = this.gapAt(b);
    if (gap === null) return { lost: null, exact: false, at: b };
    const { stats, ledger, tally } = this.options;
    let queued = 0;
    if (this.options.queued) {
      // System 1: what sat in the queue at b is in flight, not lost. Only a short queue can be
      // subtracted with confidence: a long one moves too much between a reading and b.
      const depth = stats.queueDepthNear(b);
      const load = this.options.load();
      const batchesPerSecond = load ? load.targetRate / load.batch : 0;
      if (depth === null || depth > Math.max(20, batchesPerSecond / 2))
        return { lost: null, exact: false, at: b };
      queued = depth * (load?.batch ?? 1);
    }
    const lastAck = ledger.lastAckAt() ?? 0;
    const exact =
      this.options.loadSettled() &&
      lastAck + 2 * tally.windowMs <= b &&
      (!this.options.queued || stats.queueEmptySince(lastAck));
    return { lost: Math.max(0, Math.round(exact ? gap : gap - queued)), exact, at: b };
  }

  /** A fault hit this system now: its cost is measured against the boundary just before. */
  faultStarted(actionId: string, label: string, at = Date.now()): void {
    const windowMs = this.options.tally.windowMs;
    const reading = this.options.stats.reading();
    this.#faults.push({
      actionId,
      label,
      at,
      lost: null,
      settled: false,
      boundary: Math.floor(at / windowMs) * windowMs,
      queuedBefore: reading.queueDepth * (this.options.load()?.batch ?? 1),
      gapBefore: null,
      wholeSince: null,
    });
  }

  /** Moves each unsettled fault on: its "before" once known, its cost once the system settled. */
  #advanceFaults(now: number): void {
    const windowMs = this.options.tally.windowMs;
    for (const fault of this.#faults) {
      if (fault.settled) continue;
      if (fault.gapBefore === null) fault.gapBefore = this.gapAt(fault.boundary);
      if (!this.options.whole()) {
        fault.wholeSince = null;
        continue;
      }
      fault.wholeSince ??= now;
      if (fault.gapBefore === null || now - fault.wholeSince < 3 * windowMs + 1000) continue;
      const estimate = this.lossEstimate(now);
      if (estimate.lost === null || estimate.at <= fault.wholeSince) continue;
      const gapAfter = this.gapAt(estimate.at);
      if (gapAfter === null) continue;
      fault.lost = Math.max(0, Math.round(gapAfter - (fault.gapBefore - fault.queuedBefore)));
      fault.settled = true;
    }
  }

  compute(now = Date.now()): LabScoreboard {
    this.#advanceFaults(now);
    const { ledger, tally, stats } = this.options;
    const totals = ledger.totals();
    const reading = stats.reading();
    const load = this.options.load();
    const estimate = this.lossEstimate(now);
    const aggregated = tally.total;
    const drained = estimate.exact;
    // once drained, the loss is every acknowledged sample not in a window; before, the estimate
    const lost = drained ? Math.max(0, totals.acknowledged - aggregated) : estimate.lost;
    const queued = reading.queueDepth * (load?.batch ?? 1);
    const windowMs = tally.windowMs;
    return {
      producers: {
        sent: totals.sent,
        acknowledged: totals.acknowledged,
        refused: totals.refused,
        retried: totals.retries,
        missed: totals.missed,
        failed: totals.failed,
        ackRate: Math.round(ledger.ackRate(now)),
        targetRate: load?.targetRate ?? 0,
      },
      system: {
        up: reading.up && tally.connected,
        accepted: reading.accepted,
        aggregated,
        queued,
        queueDepth: reading.queueDepth,
        rate: Math.round(
          (tally.samplesBetween(tally.newestEnd - 5 * windowMs, tally.newestEnd) * 1000) / (5 * windowMs),
        ),
      },
      inFlight: Math.max(0, totals.acknowledged - aggregated - (lost ?? 0)),
      lost,
      drained,
      ackP99Ms: p99(ledger.probeLatencies(now - 10_000)),
      deliveryP99Ms: p99(tally.delays(now - 10_000)),
      windowMs,
      faults: this.#faults.slice(-20).map(({ actionId, label, at, lost: cost, settled }) => ({
        actionId,
        label,
        at,
        lost: cost,
        settled,
      })),
    };
  }
}

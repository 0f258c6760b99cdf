// One system's live scoreboard and what each fault cost.
//
// Two measures of loss, one cheap and live, one exact once drained:
// - live, from what the system holds: System 1 keeps every acknowledged sample in Redis until it is
//   folded, so accepted − aggregated − queued (one atomic /stats read) is what it dropped, plus what
//   an emptied Redis held when it was wiped; System 2 folds before it acks, so it loses only the open
//   window of a process that dies, measured at the kill (its aggregated counter against the windows
//   that life published). With end-to-end acknowledgements (System 2's producers keep every acked
//   batch until a commit covers it, and replay the rest into the next life), what a death held is
//   not lost but sent again: such a fault is measured exactly, once drained, as the system's exact
//   loss less what the other faults settled so far cost (two such deaths before one drain share one
//   figure: the first takes it).
// - exact, from outside the system: once the load has stopped and everything has landed, the
//   producers' acknowledged total against the samples in every window the lab saw published.
import type { LabFaultCost, LabScoreboard } from '@ingestlab/metric-schema';
import type { LiveTally } from './live-tally.js';
import { p99 } from './percentile.js';
import type { ProducerLedger } from './producer-ledger.js';
import type { StatsPoller } from './stats-poller.js';

export interface SystemScoreOptions {
  /** System 1 (a queue in Redis) or System 2 (state in the process). */
  system: 's1' | 's2';
  ledger: ProducerLedger;
  tally: LiveTally;
  stats: StatsPoller;
  /** Every process of the system runs (not killed, stopped or paused). */
  whole: () => boolean;
  /** No load run sending or draining for this system. */
  loadSettled: () => boolean;
  /**
   * Samples per batch of the load now (to turn queued batches into samples), its target rate, and
   * whether its producers keep and replay until committed (System 2's end-to-end acknowledgements).
   */
  load: () => { batch: number; targetRate: number; endToEnd?: boolean } | null;
}

/** What was held at a process's (or Redis's) death: a counter of that life against its published windows. */
export interface HeldAtDeath {
  /** Samples the dead life had taken in (System 1: accepted; System 2: aggregated), from /stats just before. */
  held: number;
  /** When that /stats reading was taken, and the intake then (samples/s): what came in after it is added. */
  readAt: number;
  intakePerS: number;
  /** When that life began (its windows start at or after this), and when it died. */
  lifeStart: number;
  diedAt: number;
  /**
   * True when no ack can come after the death until the next life is up, seconds later (System 2:
   * its producers' sockets died with it). Then the cost is read from the producers' side. False
   * for Redis, back within a moment: the cost is what it held (acked samples are taken in first).
   */
  acksStop: boolean;
}

interface FaultEntry extends Omit<LabFaultCost, 'held'> {
  /** The live estimate when the fault hit (for faults measured by difference). */
  before: number | null;
  /** A death to measure once its last windows have arrived (null once measured, or for other faults). */
  held: HeldAtDeath | null;
  /** What that death held unpublished. */
  heldUnpublished?: number;
  /** When the system was last seen whole again after the fault. */
  wholeSince: number | null;
  /** A death under end-to-end load: what it held is replayed, its cost is settled once drained. */
  replayed: boolean;
}

/** How long after a death its last published windows are surely in the lab's tally. */
const LATE_WINDOWS_MS = 1500;

export class SystemScore {
  readonly #faults: FaultEntry[] = [];
  /** Losses measured at deaths (System 2's open windows, an emptied Redis), settled ones summed. */
  #heldLost = 0;

  constructor(private readonly options: SystemScoreOptions) {}

  /** Samples in windows a life published: those starting from its start up to its death. */
  #publishedBy(life: HeldAtDeath): number {
    const windowMs = this.options.tally.windowMs;
    const from = Math.floor(life.lifeStart / windowMs) * windowMs;
    return this.options.tally.samplesBetweenStarts(from, life.diedAt);
  }

  /**
   * System 1's queue is back to what steady load keeps in it: batches wait for their 20 ms job span
   * and for the worker's next bulk (50 ms), so a steady queue holds about a tenth of a second of
   * batches and is never empty. Back means at most half a second of batches, or 20, over the last
   * 2.5 s.
   */
  backlogGone(now = Date.now()): boolean {
    const load = this.options.load();
    const perSecond = load ? load.targetRate / load.batch : 0;
    return this.options.stats.queueAtMostSince(Math.max(20, perSecond / 2), now - 2500);
  }

  /** The live estimate of acknowledged samples lost, or null when the system does not answer. */
  estimate(): number | null {
    if (this.options.system === 's2') return this.#heldLost;
    const life = this.options.stats.life();
    if (!life || !this.options.stats.reading().up) return null;
    const queued = life.queueDepth * (this.options.load()?.batch ?? 1);
    return this.#heldLost + Math.max(0, life.accepted - life.aggregated - queued);
  }

  /** Exact loss: only once drained (load stopped, nothing in flight, the last windows published). */
  exact(): number | null {
    const { ledger, tally, stats } = this.options;
    if (!this.options.loadSettled()) return null;
    const lastAck = ledger.lastAckAt() ?? 0;
    // every acknowledged sample has had time to reach a window, and that window has arrived
    if (tally.newestEnd < lastAck + 2 * tally.windowMs) return null;
    if (this.options.system === 's1' && !stats.queueEmptySince(lastAck)) return null;
    return Math.max(0, ledger.totals().acknowledged - tally.total);
  }

  /** Samples/s the producers are getting acknowledged now (the intake, for HeldAtDeath). */
  intakePerS(now = Date.now()): number {
    return this.options.ledger.ackRate(now);
  }

  /** A fault hit this system: `held` when it killed state (measured), else measured by difference. */
  faultStarted(actionId: string, label: string, held: HeldAtDeath | null = null, at = Date.now()): void {
    const replayed = held !== null && this.options.load()?.endToEnd === true;
    this.#faults.push({
      actionId,
      label: replayed ? `${label} (end-to-end: producers replay what is not committed)` : label,
      at,
      replayed,
      lost: null,
      settled: false,
      before: this.estimate(),
      held,
      wholeSince: null,
    });
  }

  #advanceFaults(now: number): void {
    for (const fault of this.#faults) {
      if (fault.settled) continue;
      if (fault.replayed) {
        this.#advanceReplayed(fault, now);
        continue;
      }
      if (fault.held) {
        const { held } = fault;
        if (now - held.diedAt < LATE_WINDOWS_MS) continue;
        // the producers' reports must reach past the death (a busy load host reports late)
        if (this.options.ledger.lastReportAt < held.diedAt + 500 && now - held.diedAt < 30_000) continue;
        const published = this.#publishedBy(held);
        // what the dead life held unpublished: its counter at the last reading, plus what came in
        // until the death at the intake rate of the moment (not the acks seen then: an ack trails
        // its fold, so those would count samples already in the reading)
        const between = (held.intakePerS * Math.max(0, held.diedAt - held.readAt)) / 1000;
        fault.held = null;
        fault.heldUnpublished = Math.max(0, Math.round(held.held + between - published));
        // what the producers had been told was taken in during that life, and never saw published:
        // acks in flight died with it (their producers send those batches again)
        const ackedFrom = this.options.ledger.acknowledgedSince(held.lifeStart);
        const ackedTo = this.options.ledger.acknowledgedAt(held.diedAt + 500);
        fault.lost =
          !held.acksStop || ackedFrom === null || ackedTo === null
            ? fault.heldUnpublished
            : Math.max(0, Math.round(ackedTo - ackedFrom - published));
        this.#heldLost += fault.lost;
        fault.settled = true;
        continue;
      }
      if (!this.options.whole()) {
        fault.wholeSince = null;
        continue;
      }
      fault.wholeSince ??= now;
      // settled: whole again for a few windows, and (System 1) the queue it left has drained
      if (now - fault.wholeSince < 3 * this.options.tally.windowMs) continue;
      if (this.options.system === 's1' && !this.backlogGone(now)) continue;
      const after = this.estimate();
      if (after === null || fault.before === null) continue;
      fault.lost = Math.max(0, after - fault.before);
      fault.settled = true;
    }
  }

  /**
   * A death under end-to-end load: what it held unpublished is measured as for a classic death, but
   * the producers send it again, so the loss is only known once drained: the exact loss less what
   * the other faults settled so far cost.
   */
  #advanceReplayed(fault: FaultEntry, now: number): void {
    const { held } = fault;
    if (held) {
      if (now - held.diedAt < LATE_WINDOWS_MS) return;
      const between = (held.intakePerS * Math.max(0, held.diedAt - held.readAt)) / 1000;
      fault.heldUnpublished = Math.max(0, Math.round(held.held + between - this.#publishedBy(held)));
      fault.held = null;
    }
    const exact = this.exact();
    if (exact === null) return;
    fault.lost = Math.max(0, exact - this.#heldLost);
    this.#heldLost += fault.lost;
    fault.settled = true;
  }

  compute(now = Date.now()): LabScoreboard {
    this.#advanceFaults(now);
    const { ledger, tally, stats } = this.options;
    const totals = ledger.totals();
    const reading = stats.reading();
    const load = this.options.load();
    const exact = this.exact();
    const lost = exact ?? this.estimate();
    const aggregated = tally.total;
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
        queued: reading.queueDepth * (load?.batch ?? 1),
        queueDepth: reading.queueDepth,
        rate: Math.round(
          (tally.samplesBetween(tally.newestEnd - 5 * windowMs, tally.newestEnd) * 1000) / (5 * windowMs),
        ),
      },
      inFlight: Math.max(0, totals.acknowledged - aggregated - (lost ?? 0)),
      lost,
      drained: exact !== null,
      ackP99Ms: p99(ledger.probeLatencies(now - 10_000)),
      deliveryP99Ms: p99(tally.delays(now - 10_000)),
      windowMs,
      faults: this.#faults
        .slice(-20)
        .map(({ actionId, label, at, lost: cost, settled, heldUnpublished }) => ({
          actionId,
          label,
          at,
          lost: cost,
          settled,
          ...(heldUnpublished === undefined ? {} : { held: heldUnpublished }),
        })),
    };
  }
}

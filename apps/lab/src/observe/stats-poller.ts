// One system's /stats, polled every second and added up over the system's lives: when a process
// that held the counters dies (System 2), or Redis comes back empty (System 1), its last reading is
// kept as a base so `accepted` goes on counting from there.
import { type Stats, validateStats } from '@ingestlab/metric-schema';

export interface StatsReading {
  /** False while the system does not answer /stats. */
  up: boolean;
  /** Summed over lives. */
  accepted: number;
  /** The system's own aggregated counter, summed over lives. */
  aggregated: number;
  queueDepth: number;
  /** Epoch ms of the last good reading. */
  at: number;
}

export class StatsPoller {
  #base = { accepted: 0, aggregated: 0 };
  #last: Stats | null = null;
  #lastAt = 0;
  #up = false;
  #timer: NodeJS.Timeout | null = null;
  /** [at, queueDepth] of recent readings, for "was the queue empty then". */
  readonly #depths: [number, number][] = [];

  constructor(
    private readonly base: string,
    private readonly everyMs = 1000,
  ) {}

  /**
   * Polls once per `everyMs`, just after each whole multiple of it (a window boundary when it is the
   * window length), so a reading of System 1's queue says what was queued at that boundary.
   */
  start(): void {
    const tick = async () => {
      await this.pollNow();
      const now = Date.now();
      this.#timer = setTimeout(tick, this.everyMs - (now % this.everyMs) + 15);
    };
    void tick();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Reads /stats now (e.g. just before a kill, so the base is as fresh as can be). */
  async pollNow(): Promise<void> {
    try {
      const response = await fetch(`${this.base}/stats`, { signal: AbortSignal.timeout(1500) });
      const body: unknown = await response.json();
      const checked = validateStats(body);
      if (!response.ok || !checked.ok) throw new Error(`stats answered ${response.status}`);
      this.#last = checked.value;
      this.#lastAt = Date.now();
      this.#up = true;
      this.#depths.push([this.#lastAt, checked.value.queueDepth]);
      if (this.#depths.length > 120) this.#depths.shift();
    } catch {
      this.#up = false;
    }
  }

  /** The counters were lost (a new process, an empty Redis): keep the last reading as a base. */
  newLife(): void {
    if (this.#last) {
      this.#base.accepted += this.#last.accepted;
      this.#base.aggregated += this.#last.aggregated;
    }
    this.#last = null;
  }

  /** This life's own last reading (since the last newLife), or null before one. */
  life(): { accepted: number; aggregated: number; queueDepth: number; at: number } | null {
    return this.#last
      ? {
          accepted: this.#last.accepted,
          aggregated: this.#last.aggregated,
          queueDepth: this.#last.queueDepth,
          at: this.#lastAt,
        }
      : null;
  }

  reading(): StatsReading {
    return {
      up: this.#up,
      accepted: this.#base.accepted + (this.#last?.accepted ?? 0),
      aggregated: this.#base.aggregated + (this.#last?.aggregated ?? 0),
      queueDepth: this.#up ? (this.#last?.queueDepth ?? 0) : 0,
      at: this.#lastAt,
    };
  }

  /** True when every reading since `since` (at least two) found at most `depth` batches queued. */
  queueAtMostSince(depth: number, since: number): boolean {
    const recent = this.#depths.filter(([at]) => at >= since);
    return this.#up && recent.length >= 2 && recent.every(([, d]) => d <= depth);
  }

  /** True when every reading since `since` (at least two) found the queue empty. */
  queueEmptySince(since: number): boolean {
    const recent = this.#depths.filter(([at]) => at >= since);
    return this.#up && recent.length >= 2 && recent.every(([, depth]) => depth === 0);
  }
}

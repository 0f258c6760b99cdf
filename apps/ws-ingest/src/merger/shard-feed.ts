// One shard as the merger follows it: a loop of long polls on its /shard/partials that hands each
// closed partial window to the merger, keeps the shard's latest /stats, and notices when the shard is
// down (a poll fails or outlasts its wait) or came back as a new process (its boot id changed).
import type { Stats } from '@ingestlab/metric-schema';
import type { ShardState } from '@ingestlab/metric-schema';
import { type ClosedPartial, partialsAnswerProblem, type PartialsAnswer } from '../shard/partials-answer.js';
import type { ShardAddress } from './config.js';

/** Beyond the poll's own wait, how long an answer may take before the shard counts as down. */
const ANSWER_GRACE_MS = 2000;

export interface ShardFeedOptions {
  windowMs: number;
  pollWaitMs: number;
  retryMs: number;
  /** Only windows that start after this are taken on the first poll (older ones were never pending here). */
  firstAfter: number;
  /** A closed window from this shard; false when it came too late to be merged. */
  onWindow: (feed: ShardFeed, window: ClosedPartial) => boolean;
  /** The shard changed state (up, down) or reported. */
  onChange: (feed: ShardFeed) => void;
}

type Counted = Pick<Stats, 'accepted' | 'aggregated' | 'rejected' | 'duplicates' | 'producers'>;
const ZERO: Counted = { accepted: 0, aggregated: 0, rejected: 0, duplicates: 0, producers: 0 };

export class ShardFeed {
  state: ShardState['state'] = 'unknown';
  lastWindow: number | null = null;
  restarts = 0;
  lateWindows = 0;
  error: string | undefined;
  private bootId: string | null = null;
  private current: Counted = ZERO;
  /** Counts of this shard's earlier processes (before a restart), so the sums do not go back. */
  private retired: Counted = ZERO;
  private after: number;

  constructor(
    readonly address: ShardAddress,
    private readonly options: ShardFeedOptions,
  ) {
    this.after = options.firstAfter;
  }

  get name(): string {
    return this.address.name;
  }

  /** This shard's counts, over every process the merger saw. */
  counts(): Counted {
    const sum = { ...ZERO };
    for (const key of Object.keys(sum) as (keyof Counted)[]) sum[key] = this.retired[key] + this.current[key];
    return sum;
  }

  snapshot(): ShardState {
    return {
      name: this.name,
      url: this.address.url,
      state: this.state,
      ...this.counts(),
      restarts: this.restarts,
      lastWindow: this.lastWindow,
      lateWindows: this.lateWindows,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /** Polls until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const answer = await this.poll(signal);
        this.take(answer);
      } catch (error) {
        if (signal.aborted) return;
        this.markDown(error instanceof Error ? error.message : String(error));
        await pause(this.options.retryMs, signal);
      }
    }
  }

  private async poll(signal: AbortSignal): Promise<PartialsAnswer> {
    const { pollWaitMs } = this.options;
    const url = `${this.address.url}/shard/partials?after=${this.after}&waitMs=${pollWaitMs}`;
    const response = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(pollWaitMs + ANSWER_GRACE_MS)]),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET /shard/partials answered ${response.status}`);
    }
    const body: unknown = await response.json();
    const problem = partialsAnswerProblem(body);
    if (problem) throw new Error(`not a partials answer (${problem})`);
    const answer = body as PartialsAnswer;
    if (answer.windowMs !== this.options.windowMs) {
      throw new Error(`its WINDOW_MS is ${answer.windowMs}, the merger's ${this.options.windowMs}`);
    }
    return answer;
  }

  private take(answer: PartialsAnswer): void {
    if (answer.bootId !== this.bootId) {
      if (this.bootId !== null) {
        // A new process: what the old one counted stays counted; its open window is gone.
        this.restarts += 1;
        this.retired = this.counts();
      }
      this.bootId = answer.bootId;
    }
    this.current = answer.stats;
    this.state = 'up';
    this.error = undefined;
    for (const window of answer.windows) {
      const start = window.partial.start;
      if (start > this.after) this.after = start;
      this.lastWindow = start;
      if (!this.options.onWindow(this, window)) this.lateWindows += 1;
    }
    this.options.onChange(this);
  }

  private markDown(reason: string): void {
    const changed = this.state !== 'down';
    this.state = 'down';
    this.error = reason;
    if (changed) this.options.onChange(this);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

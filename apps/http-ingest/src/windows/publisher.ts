// Closes each window as soon as it is complete (every batch admitted while it was open has been
// folded), or at its maximum wait, and publishes it. Every ingest replica runs one; the close script
// lets exactly one of them take each window, so a window is published once however many run.
// It learns that a window is complete without polling Redis hard: it tries at the window's end, again
// on each notice a completing fold publishes, and at a low rate (pollMs) as a safety net for a notice
// lost on a reconnect; the close script decides by Redis's clock, so replicas' clocks only decide
// when they ask.
import { windowStartFor } from '@ingestlab/aggregation';
import type { Window } from '@ingestlab/metric-schema';
import { type CloseOutcome, closeAggregate } from './window-store.js';

/** What the publisher closes windows in: one WindowStore, or ShardedWindows over several. */
export interface ClosingStore {
  /** Start of the newest closed (published) window, or null. */
  closedUpto(): Promise<number | null>;
  close(start: number, maxWaitMs: number): Promise<CloseOutcome>;
  /** Stores and announces a closed window; false when another replica published it first. */
  store(window: Window): Promise<boolean>;
}

export interface PublisherOptions {
  store: ClosingStore;
  windowMs: number;
  /** After its end, a window waits at most this long for its folds; it is then published anyway. */
  maxWaitMs: number;
  /** While a window waits, how often it is asked about without a notice. Default 200 ms. */
  pollMs?: number;
  /** Figures that go into each window's `pipeline` at publication. */
  context: () => { queueDepth: number; viewers?: number; droppedFrames?: number };
  /** Called with each window this replica published (for metrics). */
  onPublished?: (window: Window, published: { complete: boolean; late: number; delayMs: number }) => void;
  onError?: (error: unknown) => void;
  /** At most this many missed windows are caught up after a pause (e.g. every replica was down). Default 60. */
  maxCatchUp?: number;
}

export class WindowPublisher {
  /** The next window to close (null until read from Redis). */
  private next: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Closes what can be closed now: on a timer, and when a fold announces a completed window. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.closeDue().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Closes every ended window in order until one is not complete yet; then sets the next wake-up. */
  private async closeDue(): Promise<void> {
    const { store, windowMs, maxWaitMs, pollMs = 200, maxCatchUp = 60 } = this.options;
    if (this.timer) clearTimeout(this.timer);
    let wakeInMs = pollMs;
    try {
      const open = windowStartFor(Date.now(), windowMs);
      if (this.next === null) {
        const closed = await store.closedUpto();
        this.next = closed === null ? open - windowMs : closed + windowMs;
      }
      this.next = Math.max(this.next, open - maxCatchUp * windowMs);
      for (;;) {
        if (this.next + windowMs > Date.now()) {
          // Not ended yet by this clock: ask at its end.
          wakeInMs = this.next + windowMs - Date.now() + 1;
          break;
        }
        const outcome = await store.close(this.next, maxWaitMs);
        if (outcome.kind === 'not-yet') {
          wakeInMs = Math.min(pollMs, outcome.retryInMs + 1);
          break;
        }
        if (outcome.kind === 'closed') {
          const { aggregate } = outcome;
          const publishedAt = Date.now();
          const window = closeAggregate(aggregate, { publishedAt, ...this.options.context() });
          if (await store.store(window)) {
            this.options.onPublished?.(window, {
              complete: aggregate.complete,
              late: aggregate.late,
              delayMs: publishedAt - window.end,
            });
          }
          this.next += windowMs;
        } else {
          this.next = Math.max(this.next, outcome.closedUpto) + windowMs;
        }
      }
    } catch (error) {
      // Redis away: try the same window again soon.
      this.options.onError?.(error);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), Math.max(1, wakeInMs));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

// The open window and its closing: samples fold into the window of their arrival time; a timer
// aligned to window ends closes it (or the first arrival after its end does, whichever is first)
// and hands it on, in order, to be published (at once, or once its end is durable).
import { WindowAggregate, windowStartFor } from '@ingestlab/aggregation';
import type { Sample, Window } from '@ingestlab/metric-schema';

export interface WindowClockOptions {
  windowMs: number;
  /** Called with each closed window, oldest first. */
  closed: (window: Window) => void;
  /** What the closing window reports beside its samples (refusals, viewers, dropped frames). */
  context: () => { rejected: number; viewers: number; droppedFrames: number };
  now?: () => number;
}

/** Told of each window as it closes, with its aggregate (a shard exports `aggregate.toPartial()`). */
export type WindowCloseListener = (aggregate: WindowAggregate, window: Window) => void;

/** After a stall longer than this many windows, the empty windows in between are not all published. */
const MAX_GAP_WINDOWS = 3600;

export class WindowClock {
  private current: WindowAggregate;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly closeListeners: WindowCloseListener[] = [];

  constructor(private readonly options: WindowClockOptions) {
    this.now = options.now ?? Date.now;
    this.current = new WindowAggregate(windowStartFor(this.now(), options.windowMs), options.windowMs);
  }

  /** End of the open window (ms). */
  get openUntil(): number {
    return this.current.end;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Adds a listener called with each closed window's aggregate, once it is handed on to be published. */
  onClose(listener: WindowCloseListener): void {
    this.closeListeners.push(listener);
  }

  /** Folds samples into the window open at `now` (arrival time). */
  add(samples: readonly Sample[], now: number): void {
    if (now >= this.current.end) this.rotate(now);
    const aggregate = this.current;
    for (let i = 0; i < samples.length; i += 1) aggregate.add(samples[i]!);
  }

  /** Closes the open window now, even before its end (shutdown: its samples are published, not lost). */
  flush(): Window {
    const now = this.now();
    const window = this.closeCurrent(now);
    this.current = new WindowAggregate(
      windowStartFor(now, this.options.windowMs) + this.options.windowMs,
      this.options.windowMs,
    );
    return window;
  }

  private schedule(): void {
    const delay = Math.max(0, this.current.end - this.now());
    // +1 ms: setTimeout may fire a hair early, and the window must be over when it closes.
    this.timer = setTimeout(() => {
      this.rotate(this.now());
      this.schedule();
    }, delay + 1);
    this.timer.unref();
  }

  /** Closes every window that ended at or before `now`, publishing empty ones for gaps. */
  private rotate(now: number): void {
    const windowMs = this.options.windowMs;
    const target = windowStartFor(now, windowMs);
    if (this.current.start >= target) return;
    this.closeCurrent(now);
    let start = this.current.start + windowMs;
    if ((target - start) / windowMs > MAX_GAP_WINDOWS) start = target - MAX_GAP_WINDOWS * windowMs;
    while (start < target) {
      this.current = new WindowAggregate(start, windowMs);
      this.closeCurrent(now);
      start += windowMs;
    }
    this.current = new WindowAggregate(target, windowMs);
  }

  private closeCurrent(now: number): Window {
    const context = this.options.context();
    const window = this.current.close({ publishedAt: now, queueDepth: 0, ...context });
    this.options.closed(window);
    for (const listener of this.closeListeners) listener(this.current, window);
    return window;
  }
}

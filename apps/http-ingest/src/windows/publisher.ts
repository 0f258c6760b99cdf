// Closes each window shortly after it ends and publishes it. Every ingest replica runs one; the close
// script lets exactly one of them take each window, so a window is published once however many run.
// Grace: a window is closed `graceMs` after its end, so folds in flight at the boundary still make it;
// a fold that arrives later goes into the next open window (a window holds what was folded while it
// was open), so nothing is lost, only shown one window later.
import { windowStartFor } from '@ingestlab/aggregation';
import type { Window } from '@ingestlab/metric-schema';
import { closeAggregate, type WindowStore } from './window-store.js';

export interface PublisherOptions {
  store: WindowStore;
  windowMs: number;
  /** Wait after a window's end before closing it. */
  graceMs: number;
  /** Figures that go into each window's `pipeline` at publication. */
  context: () => { queueDepth: number; viewers?: number; droppedFrames?: number };
  /** Called with each window this replica published (for metrics). */
  onPublished?: (window: Window) => void;
  onError?: (error: unknown) => void;
  /** At most this many missed windows are caught up after a pause (e.g. every replica was down). Default 60. */
  maxCatchUp?: number;
}

export class WindowPublisher {
  private next: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const { windowMs, graceMs } = this.options;
    const now = Date.now();
    // Next moment a window becomes due: some window end + grace, strictly after now.
    const dueAt = windowStartFor(now - graceMs, windowMs) + windowMs + graceMs;
    this.timer = setTimeout(
      () => {
        this.running = this.tick().finally(() => {
          this.running = null;
          this.schedule();
        });
      },
      Math.max(1, dueAt - now),
    );
    this.timer.unref();
  }

  /** Closes every due window not closed yet. Exposed for tests. */
  async tick(now = Date.now()): Promise<void> {
    const { store, windowMs, graceMs, maxCatchUp = 60 } = this.options;
    const due = windowStartFor(now - graceMs, windowMs) - windowMs;
    try {
      if (this.next === null) {
        const closed = await store.closedUpto();
        this.next = closed === null ? due : Math.max(closed + windowMs, due - maxCatchUp * windowMs);
      }
      let start = Math.max(this.next, due - maxCatchUp * windowMs);
      for (; start <= due; start += windowMs) {
        const closed = await store.close(start);
        if (closed) {
          const window = closeAggregate(closed, { publishedAt: Date.now(), ...this.options.context() });
          await store.store(window);
          this.options.onPublished?.(window);
        }
        this.next = start + windowMs;
      }
      this.next = start;
    } catch (error) {
      // Redis away: try the same windows again at the next tick.
      this.options.onError?.(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

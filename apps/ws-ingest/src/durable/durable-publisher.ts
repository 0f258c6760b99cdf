// Publication in end-to-end mode, in the one order that makes it exactly-once: (1) write the
// window's end durably (the watermark, with fsync), (2) publish the window (history, viewers),
// (3) tell end-to-end connections with a commit frame. A crash before (1) leaves the window
// unpublished and unrecorded: its batches are sent again and folded again. A crash between (1) and
// (2) leaves it recorded but not shown: the next life puts the recorded window back into its
// history, and its batches sent again are duplicates. A crash between (2) and (3) is the same with
// the window already shown. Steps run one at a time; windows that close while one runs wait and go
// together in the next (one fsync for all of them).
import type { Window } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import type { CrashHook } from './crash-hook.js';
import type { EpochBook } from './epoch-book.js';
import { type WatermarkState, watermarkState, writeWatermark } from './watermark-file.js';

export interface DurablePublisherOptions {
  dir: string;
  book: EpochBook;
  /** The windows of the last recorded publication (restored at start): kept in the file until replaced. */
  lastWindows: Window[];
  /** Puts a window into the history and sends it to the viewers. */
  publish: (window: Window) => void;
  /** After publication: windows ending at or before `upTo` are published (commit frames go out). */
  committed: (epoch: number, upTo: number) => void;
  hook: CrashHook;
  log: FastifyBaseLogger;
}

/** Counts of the durable step, for /metrics and the benchmark. */
export interface DurableCounts {
  writes: number;
  failures: number;
  /** Seconds spent writing (write, fsync, rename, directory fsync), summed. */
  writeSeconds: number;
  /** The longest write, seconds. */
  maxWriteSeconds: number;
}

export class DurablePublisher {
  readonly counts: DurableCounts = { writes: 0, failures: 0, writeSeconds: 0, maxWriteSeconds: 0 };
  /** Told each write's duration (seconds); /metrics sets it. */
  onWrite: (seconds: number) => void = () => {};
  private queue: Window[] = [];
  private running: Promise<void> | null = null;
  private lastWindows: Window[];
  private failing = false;
  private inStep = 0;

  constructor(private readonly options: DurablePublisherOptions) {
    this.lastWindows = options.lastWindows;
  }

  /** Writes the watermark as it stands (at start: records the new life before anything is acknowledged). */
  async record(): Promise<void> {
    await writeWatermark(this.options.dir, this.state(this.options.book.upTo));
  }

  /** Closed windows waiting for their write (the step running now included). */
  get waiting(): number {
    return this.queue.length + this.inStep;
  }

  /** Queues a closed window; it is published once its end is durable. */
  submit(window: Window): void {
    this.queue.push(window);
    this.running ??= this.run();
  }

  /** Resolves once every submitted window is published. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private state(upTo: number | null): WatermarkState {
    const { current, earlier } = this.options.book.marks();
    return watermarkState({ ...current, upTo }, earlier, this.lastWindows);
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const windows = this.queue.splice(0);
        this.inStep = windows.length;
        await this.step(windows);
      }
    } finally {
      this.inStep = 0;
      this.running = null;
    }
  }

  private async step(windows: Window[]): Promise<void> {
    const { book, hook, log } = this.options;
    const upTo = windows[windows.length - 1]!.end;
    const previous = this.lastWindows;
    this.lastWindows = windows;
    hook.counted(windows.some((window) => window.samples > 0));
    const started = performance.now();
    let durable = true;
    try {
      await writeWatermark(this.options.dir, this.state(upTo));
      const seconds = (performance.now() - started) / 1000;
      this.counts.writes += 1;
      this.counts.writeSeconds += seconds;
      if (seconds > this.counts.maxWriteSeconds) this.counts.maxWriteSeconds = seconds;
      this.onWrite(seconds);
      book.upTo = upTo;
      if (this.failing) log.warn({ upTo }, 'watermark written again: commits resume');
      this.failing = false;
    } catch (error) {
      // Publish anyway (the dashboards go on), but commit nothing: producers keep what they hold.
      durable = false;
      this.lastWindows = previous;
      this.counts.failures += 1;
      if (!this.failing) {
        log.error(
          { err: error, dir: this.options.dir },
          'cannot write the watermark: windows are published without it and no commit is sent until a write succeeds',
        );
      }
      this.failing = true;
    }
    hook.reached('after-watermark');
    for (const window of windows) this.options.publish(window);
    hook.reached('after-publish');
    if (durable) this.options.committed(book.epoch, upTo);
  }
}

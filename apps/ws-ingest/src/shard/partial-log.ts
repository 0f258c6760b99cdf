// The last closed partial windows of this process, for a merger to take: each window the clock
// closes is kept in its flat partial form, and a long poll waiting for the next one is woken.
import type { ClosedPartial } from './partials-answer.js';

export class PartialLog {
  private readonly windows: ClosedPartial[] = [];
  private waiters: (() => void)[] = [];

  /** @param keep closed windows held for merger polls (a merger that falls further behind misses windows). */
  constructor(private readonly keep: number) {}

  push(window: ClosedPartial): void {
    this.windows.push(window);
    if (this.windows.length > this.keep) this.windows.shift();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Windows with start > after, oldest first. */
  after(after: number): ClosedPartial[] {
    let i = this.windows.length;
    while (i > 0 && this.windows[i - 1]!.partial.start > after) i -= 1;
    return this.windows.slice(i);
  }

  /** Resolves with the windows after `after`, waiting up to `waitMs` (or until `signal`) for one to close. */
  async next(after: number, waitMs: number, signal?: AbortSignal): Promise<ClosedPartial[]> {
    const ready = this.after(after);
    if (ready.length > 0 || waitMs <= 0) return ready;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
    return this.after(after);
  }

  /** Wakes every waiting poll (shutdown). */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

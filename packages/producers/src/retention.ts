// What end-to-end producers hold: acknowledged batch bodies kept until a commit frame says their
// window is published, so they can be sent again if the server dies before that. The bound is in
// bytes; when it is reached new sends wait for commits to free room (backpressure: a producer that
// cannot send keeps its batches in its backlog, then counts them missed). One Retention is shared by
// the connections of a thread.
import type { EndToEndCounts } from './counters.js';

/** Default bound of a run's retained bodies: 128 MiB (about two seconds at 400,000 samples/s). */
export const DEFAULT_RETAIN_MAX_BYTES = 128 * 1024 * 1024;

export class Retention {
  /** Bytes held now. */
  bytes = 0;
  private roomWaiters: ((room: boolean) => void)[] = [];
  private emptyWaiters: (() => void)[] = [];

  /** `counts` receives the peak and the waits (the thread's counters). */
  constructor(
    readonly maxBytes: number = DEFAULT_RETAIN_MAX_BYTES,
    private readonly counts: Pick<EndToEndCounts, 'peakBytes' | 'waits'> = { peakBytes: 0, waits: 0 },
  ) {
    if (!(maxBytes > 0)) throw new RangeError(`retainMaxBytes must be above zero, got ${maxBytes}`);
  }

  /** The most bytes held at once. */
  get peakBytes(): number {
    return this.counts.peakBytes;
  }

  get full(): boolean {
    return this.bytes >= this.maxBytes;
  }

  hold(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.counts.peakBytes) this.counts.peakBytes = this.bytes;
  }

  free(bytes: number): void {
    this.bytes -= bytes;
    if (this.bytes < this.maxBytes && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const wake of waiters) wake(true);
    }
    if (this.bytes <= 0 && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves with true when below the bound (at once if it is), or false when `signal` aborts first. */
  room(signal?: AbortSignal): Promise<boolean> {
    if (!this.full) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    this.counts.waits++;
    return new Promise((resolve) => {
      const onAbort = () => {
        this.roomWaiters = this.roomWaiters.filter((waiter) => waiter !== wake);
        resolve(false);
      };
      const wake = (room: boolean) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(room);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.roomWaiters.push(wake);
    });
  }

  /** Resolves when nothing is held (every acknowledged batch committed). */
  empty(): Promise<void> {
    if (this.bytes <= 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }
}

// Exponential backoff with jitter, and a sleep that can be cut short: the one backoff of the project,
// used by the producers' retries and reconnects and by the dashboard's reconnects
// (`@ingestlab/producers/backoff`, free of Node-only imports so a browser bundle can take it).

/**
 * Delay before try number `attempt` (1 = the first retry): base·2^(attempt-1) capped at max, then
 * "equal jitter" (half fixed, half random) so many producers that failed together do not return together.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** Resolves after ms, or at once (with false) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A counting semaphore: at most `size` holders; the rest wait in order. */
export class Window {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes a slot when one is free at once; false (and nothing taken) otherwise. */
  tryAcquire(): boolean {
    if (this.used >= this.size || this.waiting.length > 0) return false;
    this.used++;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // the slot passes straight to the next waiter, so `used` stays the same
    if (next) next();
    else this.used--;
  }
}

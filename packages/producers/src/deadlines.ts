// Timeouts for thousands of attempts in flight without a timer each: attempts with the same timeout
// expire in the order they started, so one queue per timeout length, swept a few times a second,
// replaces a setTimeout and a clearTimeout per batch (a measurable share of a generator's CPU at
// 10,000 batches a second). An attempt may expire up to a sweep interval late.

export interface Deadline {
  /** Set when the attempt settled: the queue then drops it without calling `expire`. */
  done: boolean;
}

interface Entry extends Deadline {
  at: number;
  expire: () => void;
}

/** Longest wait between sweeps, ms: the precision of every timeout. */
const MAX_SWEEP_MS = 250;

class DeadlineQueue {
  readonly #entries: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly sweepMs: number) {}

  add(at: number, expire: () => void): Deadline {
    const entry: Entry = { at, expire, done: false };
    this.#entries.push(entry);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.sweepMs);
      // an attempt in flight keeps the process alive by its socket, not by this timer
      this.#timer.unref();
    }
    return entry;
  }

  #sweep(): void {
    const now = performance.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head] as Entry;
      if (!entry.done && entry.at > now) break;
      this.#head++;
      if (!entry.done) {
        entry.done = true;
        entry.expire();
      }
    }
    if (this.#head === entries.length) {
      entries.length = 0;
      this.#head = 0;
      clearInterval(this.#timer);
      this.#timer = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      entries.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

const queues = new Map<number, DeadlineQueue>();

/**
 * Calls `expire` about `timeoutMs` from now unless the returned deadline is marked `done` first.
 * One queue (and timer) per distinct timeout length in this thread.
 */
export function deadline(timeoutMs: number, expire: () => void): Deadline {
  let queue = queues.get(timeoutMs);
  if (!queue) {
    queue = new DeadlineQueue(Math.max(5, Math.min(MAX_SWEEP_MS, timeoutMs / 4)));
    queues.set(timeoutMs, queue);
  }
  return queue.add(performance.now() + timeoutMs, expire);
}

// Main-thread cost of the page's redraws: the last N measurements in a ring, summarised on demand
// (the browser test reads the summary through `window.__dashboard`).

export interface CostSummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export class CostMeter {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;
  /** Every measurement since the page opened, including those that left the ring. */
  total = 0;

  /** `size`: how many recent measurements are kept. Default 1000. */
  constructor(size = 1000) {
    this.#ring = new Float64Array(size);
  }

  record(ms: number): void {
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#filled = Math.min(this.#filled + 1, this.#ring.length);
    this.total++;
  }

  reset(): void {
    this.#next = 0;
    this.#filled = 0;
  }

  summary(): CostSummary {
    const values = Array.from(this.#ring.subarray(0, this.#filled)).sort((a, b) => a - b);
    const count = values.length;
    if (count === 0) return { count, mean: 0, p50: 0, p95: 0, max: 0 };
    const at = (q: number) => values[Math.min(count - 1, Math.floor(q * count))] as number;
    const mean = values.reduce((sum, v) => sum + v, 0) / count;
    return { count, mean, p50: at(0.5), p95: at(0.95), max: values[count - 1] as number };
  }
}

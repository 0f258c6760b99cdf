// Repeated clicks: the same action again within `repeatMs` is refused, and so is anything beyond
// `burst` actions in `burstWindowMs`; each refusal says when to try again (429 + retry-after).
// Keyed on the action's content, which a generic per-client rate limiter does not see.
import type { LabAction } from '@ingestlab/metric-schema';

export interface LimiterOptions {
  /** The same action again within this many ms is a repeated click. Default 2000. */
  repeatMs?: number;
  /** At most this many actions... Default 20. */
  burst?: number;
  /** ...within this many ms. Default 10 000. */
  burstWindowMs?: number;
}

export type LimitVerdict = { ok: true } | { ok: false; reason: string; retryAfterS: number };

export class ActionLimiter {
  readonly #last = new Map<string, number>();
  readonly #recent: number[] = [];
  readonly #repeatMs: number;
  readonly #burst: number;
  readonly #burstWindowMs: number;

  constructor(options: LimiterOptions = {}) {
    this.#repeatMs = options.repeatMs ?? 2000;
    this.#burst = options.burst ?? 20;
    this.#burstWindowMs = options.burstWindowMs ?? 10_000;
  }

  /** Checks and, when allowed, counts the action. */
  take(action: LabAction, now = Date.now()): LimitVerdict {
    const key = JSON.stringify(action);
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#repeatMs) {
      return {
        ok: false,
        reason: `the same action was taken ${now - last} ms ago; repeated clicks are ignored for ${this.#repeatMs} ms`,
        retryAfterS: Math.ceil((this.#repeatMs - (now - last)) / 1000),
      };
    }
    while ((this.#recent[0] ?? now) <= now - this.#burstWindowMs) this.#recent.shift();
    if (this.#recent.length >= this.#burst) {
      const oldest = this.#recent[0] ?? now;
      return {
        ok: false,
        reason: `more than ${this.#burst} actions in ${this.#burstWindowMs / 1000} s`,
        retryAfterS: Math.max(1, Math.ceil((oldest + this.#burstWindowMs - now) / 1000)),
      };
    }
    this.#recent.push(now);
    this.#last.set(key, now);
    if (this.#last.size > 1000)
      for (const [k, at] of this.#last) if (now - at > this.#repeatMs) this.#last.delete(k);
    return { ok: true };
  }
}

// Reconnect delays: exponential growth with "equal jitter", so a crowd of dashboards that lost the
// same server does not come back in lockstep, yet no dashboard retries sooner than half the step.

export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). Default 500. */
  baseMs?: number;
  /** Largest delay, before jitter (ms). Default 15 000. */
  capMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
}

/** Milliseconds to wait before retry number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { baseMs = 500, capMs = 15_000, factor = 2 } = options;
  const step = Math.min(capMs, baseMs * factor ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

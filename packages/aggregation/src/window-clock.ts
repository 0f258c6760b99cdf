// Which window a moment belongs to. Windows are aligned to the epoch, so every process (and every
// System 1 worker) puts the same arrival time into the same window without talking to the others.

export function windowStartFor(timeMs: number, windowMs: number): number {
  return Math.floor(timeMs / windowMs) * windowMs;
}

/** Milliseconds from `nowMs` until the window holding it closes. */
export function msUntilWindowEnd(nowMs: number, windowMs: number): number {
  return windowStartFor(nowMs, windowMs) + windowMs - nowMs;
}

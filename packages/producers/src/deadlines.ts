// Timeouts for thousands of attempts in flight without a timer each: every connection keeps its
// attempts in the order they were sent, so one sweep a few times a second that asks each connection
// to expire its overdue oldest ones replaces a setTimeout and clearTimeout per batch (and the garbage
// they leave) at 10,000 batches a second. An attempt may expire up to a sweep interval late.

/** Longest wait between sweeps, ms: the precision of every timeout. */
export const SWEEP_MS = 200;

type Check = (now: number) => void;

const checks = new Set<Check>();
let timer: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const check of checks) check(now);
}

/**
 * Calls `check(now)` every SWEEP_MS while registered; `check` expires whatever of its own is overdue.
 * Returns the function that unregisters it.
 */
export function watchDeadlines(check: Check): () => void {
  checks.add(check);
  if (!timer) {
    timer = setInterval(sweep, SWEEP_MS);
    // attempts in flight keep the process alive through their sockets, not through this timer
    timer.unref();
  }
  return () => {
    checks.delete(check);
    if (checks.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

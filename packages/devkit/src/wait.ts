// Polling until something is true: the one way tests, dev scripts and the demo wait for a process,
// a port or a count, with a message that says what was awaited when it never comes.

export interface WaitOptions {
  /** Time between probes, in ms. Default 50. */
  intervalMs?: number;
  /**
   * Asked before each probe; a string ends the wait at once with that reason (e.g. "the process
   * exited"), so a dead child fails fast instead of at the timeout. Default: never.
   */
  abort?: () => string | null;
}

/**
 * Polls `probe` until it resolves true, or throws with `describe()` after timeoutMs. A probe that
 * throws counts as "not yet". The fourth argument is the poll interval (ms) or WaitOptions.
 */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string = () => 'condition',
  options: number | WaitOptions = {},
): Promise<void> {
  const { intervalMs = 50, abort = () => null } =
    typeof options === 'number' ? { intervalMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abort();
    if (reason) throw new Error(`${describe()}: ${reason}`);
    try {
      if (await probe()) return;
    } catch {
      // a probe that throws counts as "not yet": the thing it asks may still be starting
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

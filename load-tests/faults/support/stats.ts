// Reading a system's /stats and waiting for its pipeline to drain (accepted = aggregated, empty queue).
import { waitUntil } from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';

export async function getStats(baseUrl: string, timeoutMs = 2000): Promise<Stats> {
  const response = await fetch(`${baseUrl}/stats`, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`/stats answered ${response.status}`);
  return (await response.json()) as Stats;
}

/** GET a path and return its status, or 0 when the connection failed or timed out. */
export async function statusOf(url: string, timeoutMs = 2000): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * Waits until the system has folded everything it took in: accepted = aggregated, queue empty, and
 * the same figures on two polls in a row (nothing still arriving). Returns those stats.
 */
export async function waitDrained(baseUrl: string, timeoutMs = 60_000): Promise<Stats> {
  let last: Stats | undefined;
  let previous: Stats | undefined;
  await waitUntil(
    async () => {
      previous = last;
      last = await getStats(baseUrl);
      return (
        last.accepted === last.aggregated &&
        last.queueDepth === 0 &&
        previous !== undefined &&
        previous.accepted === last.accepted &&
        previous.aggregated === last.aggregated
      );
    },
    timeoutMs,
    () => `${baseUrl} to drain (last /stats: ${JSON.stringify(last)})`,
    250,
  );
  return last as Stats;
}

/** Waits until the stats satisfy `done`; returns them. For figures that settle rather than drain. */
export async function waitStats(
  baseUrl: string,
  done: (stats: Stats) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Stats> {
  let last: Stats | undefined;
  await waitUntil(
    async () => {
      last = await getStats(baseUrl);
      return done(last);
    },
    timeoutMs,
    () => `${what} (last /stats: ${JSON.stringify(last)})`,
    200,
  );
  return last as Stats;
}

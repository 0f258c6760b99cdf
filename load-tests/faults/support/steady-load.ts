// A steady producer load for a fault case: @ingestlab/producers' runLoad in this thread, retrying
// patiently (same seq) through outages, with a fine-grained ack history to time recoveries.
import { type LoadProgress, type LoadSummary, type Target, runLoad } from '@ingestlab/producers';
import { waitUntil } from '@ingestlab/devkit';

export interface SteadyLoadOptions {
  target: Target;
  /** Base URL of the system (ingest path appended by the transport). */
  url: string;
  /** Samples per second offered. Default 1000. */
  rate?: number;
  /** Samples per batch. Default 10. */
  batchSize?: number;
  /** Connections (producers). Default 4. */
  connections?: number;
  /** Producer names are `<prefix>-0-<n>`; unique per case so runs never collide. */
  prefix: string;
  token?: string;
  /** Per-attempt answer timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** ws: end-to-end acknowledgements (System 2 needs a DATA_DIR). Default false. */
  endToEnd?: boolean;
}

export interface SteadyLoad {
  /** Latest running totals (updated every 100 ms). */
  progress(): LoadProgress | undefined;
  /** Acknowledged samples so far (as of the latest progress tick). */
  acked(): number;
  /**
   * Resolves with the time (performance.now) of the first progress tick after `since` whose acks
   * exceed those at `since`. Pass a `since` at which the system was known to be down (ticks are
   * 100 ms apart, so acks from just before a fault may only show in the tick after it).
   */
  ackResumedAfter(since: number, timeoutMs?: number): Promise<number>;
  /** Waits until at least `n` samples were acknowledged. */
  waitAcked(n: number, timeoutMs?: number): Promise<void>;
  /** Stops sending, waits for every in-flight batch to settle, and returns the summary. */
  stop(): Promise<LoadSummary>;
}

export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const rate = options.rate ?? 1000;
  const batchSize = options.batchSize ?? 10;
  const connections = options.connections ?? 4;
  const intervalMs = 100;
  const hosts = Math.max(connections, Math.round((rate * intervalMs) / 1000));
  const abort = new AbortController();
  const ticks: { at: number; acked: number }[] = [];
  let latest: LoadProgress | undefined;
  const done = runLoad({
    target: options.target,
    url: options.url,
    hosts,
    intervalMs,
    batchSize,
    connections,
    durationMs: 0,
    workers: 1,
    producerPrefix: options.prefix,
    signal: abort.signal,
    progressIntervalMs: 100,
    drainTimeoutMs: 60_000,
    timeoutMs: options.timeoutMs ?? 5000,
    ...(options.token ? { token: options.token } : {}),
    ...(options.endToEnd ? { endToEnd: true } : {}),
    // retry for as long as a case can last: an outage must end in a late ack, never a give-up
    retry: { maxAttempts: 100_000, deadlineMs: 300_000, baseDelayMs: 50, maxDelayMs: 1000 },
    onProgress(progress) {
      latest = progress;
      ticks.push({ at: performance.now(), acked: progress.acknowledged });
      if (ticks.length > 20_000) ticks.splice(0, 10_000);
    },
  });
  // keep an early failure from being unhandled until stop() is awaited
  done.catch(() => undefined);
  const ackedAt = (time: number) => {
    let value = 0;
    for (const tick of ticks) {
      if (tick.at > time) break;
      value = tick.acked;
    }
    return value;
  };
  return {
    progress: () => latest,
    acked: () => latest?.acknowledged ?? 0,
    async ackResumedAfter(since, timeoutMs = 120_000) {
      const base = ackedAt(since);
      let found = 0;
      await waitUntil(
        () => {
          const tick = ticks.find((t) => t.at > since && t.acked > base);
          if (tick) found = tick.at;
          return tick !== undefined;
        },
        timeoutMs,
        () => `acks to resume (acked ${latest?.acknowledged}, errors ${latest?.errors})`,
        50,
      );
      return found;
    },
    async waitAcked(n, timeoutMs = 60_000) {
      await waitUntil(
        () => (latest?.acknowledged ?? 0) >= n,
        timeoutMs,
        () => `${n} acked samples (have ${latest?.acknowledged ?? 0}, errors ${latest?.errors ?? 0})`,
      );
    },
    async stop() {
      abort.abort();
      return done;
    },
  };
}

// Reconciliation: after a run, wait until the system has drained (queue empty, aggregated caught up
// with accepted), then compare the producer's counts with the /stats delta. Anything acknowledged
// that was not aggregated is a failure, reported with the numbers.
import type { LoadSummary } from '@ingestlab/producers';
import type { Reconciliation } from './results.js';

export interface StatsLike {
  system: string;
  accepted: number;
  aggregated: number;
  rejected: number;
  duplicates: number;
  queueDepth: number;
}

export async function readStats(baseUrl: string): Promise<StatsLike> {
  const response = await fetch(`${baseUrl}/stats`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${baseUrl}/stats answered ${response.status}`);
  const body = (await response.json()) as Partial<StatsLike>;
  for (const key of ['accepted', 'aggregated', 'rejected', 'duplicates', 'queueDepth'] as const) {
    if (typeof body[key] !== 'number') throw new Error(`GET ${baseUrl}/stats: "${key}" is not a number`);
  }
  return body as StatsLike;
}

/** How long /stats must stay unchanged before a run counts as drained, ms. */
export const QUIET_MS = 1000;

/**
 * Polls /stats until queueDepth is 0, aggregated has caught up with accepted (and with what the
 * producer had acknowledged), and neither has moved for QUIET_MS: a server may still take in requests
 * a closing producer gave up on (thousands at once when a fleet of connections closes under load),
 * and those must land in this run's figures, not the next one's. Gives up after timeoutMs and says so.
 */
export async function waitDrained(
  baseUrl: string,
  before: StatsLike,
  expectAtLeast: number,
  timeoutMs: number,
  quietMs = QUIET_MS,
): Promise<{ stats: StatsLike; drained: boolean; ms: number }> {
  const started = Date.now();
  let quietSince: number | null = null;
  let last: StatsLike | null = null;
  let stats = await readStats(baseUrl);
  for (;;) {
    const accepted = stats.accepted - before.accepted;
    const aggregated = stats.aggregated - before.aggregated;
    const done = stats.queueDepth === 0 && aggregated === accepted && aggregated >= expectAtLeast;
    const unchanged =
      last !== null && last.accepted === stats.accepted && last.aggregated === stats.aggregated;
    quietSince = done && unchanged ? (quietSince ?? Date.now()) : done ? Date.now() : null;
    if (quietSince !== null && unchanged && Date.now() - quietSince >= quietMs) {
      return { stats, drained: true, ms: Date.now() - started };
    }
    if (Date.now() - started > timeoutMs) return { stats, drained: false, ms: Date.now() - started };
    last = stats;
    await new Promise((r) => setTimeout(r, 200));
    stats = await readStats(baseUrl);
  }
}

/** Compares one run's producer summary with the system's /stats before and after (drained). */
export function reconcile(
  summary: LoadSummary,
  before: StatsLike,
  after: StatsLike,
  drain: { drained: boolean; ms: number },
  unit: 'samples' | 'batches',
): Reconciliation {
  const counts = unit === 'samples' ? summary.samples : summary.batches;
  const acceptedDelta = after.accepted - before.accepted;
  const aggregatedDelta = after.aggregated - before.aggregated;
  const producerUnique = counts.acknowledged - counts.duplicates;
  const problems: string[] = [];
  if (!drain.drained) {
    problems.push(
      `not drained after ${drain.ms} ms: queueDepth ${after.queueDepth}, accepted +${acceptedDelta}, aggregated +${aggregatedDelta}`,
    );
  }
  if (aggregatedDelta < acceptedDelta) {
    problems.push(
      `${acceptedDelta - aggregatedDelta} ${unit} accepted but not aggregated (accepted +${acceptedDelta}, aggregated +${aggregatedDelta})`,
    );
  }
  if (aggregatedDelta < producerUnique) {
    problems.push(
      `${producerUnique - aggregatedDelta} acknowledged ${unit} missing from the aggregate (producer acked ${counts.acknowledged}, of which ${counts.duplicates} as duplicates; system aggregated +${aggregatedDelta})`,
    );
  }
  // more than was ever sent means another writer or double counting; the bare baselines (counted in
  // batches) do not recognise repeats, so every attempt of a retried batch counts there
  const most = unit === 'batches' ? counts.sent + (summary.retries ?? 0) : counts.sent;
  if (acceptedDelta > most) {
    problems.push(
      `system accepted +${acceptedDelta} ${unit} but the producer sent only ${most}${unit === 'batches' ? ' (retries included)' : ''}: counted twice?`,
    );
  }
  return {
    ok: problems.length === 0,
    unit,
    producerSent: counts.sent,
    producerAcked: counts.acknowledged,
    producerUnique,
    producerFailed: counts.failed,
    acceptedDelta,
    aggregatedDelta,
    duplicatesDelta: after.duplicates - before.duplicates,
    rejectedDelta: after.rejected - before.rejected,
    drained: drain.drained,
    drainMs: drain.ms,
    problems,
  };
}

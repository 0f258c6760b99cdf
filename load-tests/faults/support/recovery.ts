// Timing a recovery: from a fault (or its repair) until the system both takes data again (producers'
// acks resume) and has aggregated everything it had acknowledged before the fault.
import type { LoadSummary } from '@ingestlab/producers';
import type { Stats } from '@ingestlab/metric-schema';
import { waitUntil } from '@ingestlab/devkit';
import type { FaultRow } from './table.js';
import type { SteadyLoad } from './steady-load.js';
import { getStats } from './stats.js';

/**
 * Resolves with ms from `since` (performance.now) until the steady load saw acks again (counted
 * from `downAt`, a moment the system was known not to ack, default `since`) and /stats showed
 * `aggregated >= aggregatedTarget` (skip that part with aggregatedTarget = 0). Resolution: the
 * load's 100 ms progress ticks and 100 ms /stats polls.
 */
export async function timeRecovery(
  load: SteadyLoad,
  baseUrl: string,
  since: number,
  aggregatedTarget: number,
  downAt = since,
  timeoutMs = 120_000,
): Promise<number> {
  const acksBack = await load.ackResumedAfter(downAt, timeoutMs);
  let caughtUp = since;
  if (aggregatedTarget > 0) {
    await waitUntil(
      async () => (await getStats(baseUrl, 1000)).aggregated >= aggregatedTarget,
      timeoutMs,
      () => `aggregated to reach ${aggregatedTarget}`,
      100,
    );
    caughtUp = performance.now();
  }
  return Math.round(Math.max(acksBack, caughtUp) - since);
}

/** The usual row: producers' view against the drained /stats. */
export function reconcile(
  system: FaultRow['system'],
  name: string,
  summary: LoadSummary,
  stats: Stats,
  recoveryMs: number | null,
  note: string,
  extra: { offered?: number; acked?: number } = {},
): FaultRow {
  const acked = summary.samples.acknowledged + (extra.acked ?? 0);
  return {
    system,
    case: name,
    offered: summary.samples.sent + (extra.offered ?? 0),
    acked,
    aggregated: stats.aggregated,
    lost: Math.max(0, acked - stats.aggregated),
    duplicated: Math.max(0, stats.accepted - acked),
    recoveryMs,
    note:
      Object.keys(summary.errors).length > 0
        ? `${note}; producers saw ${JSON.stringify(summary.errors)}`
        : note,
  };
}

/** Short text of a summary's outcome, for assertion messages. */
export function describeSummary(summary: LoadSummary): string {
  const s = summary.samples;
  return `sent ${s.sent}, acked ${s.acknowledged} (dup ${s.duplicates}), refused ${s.refused}, failed ${s.failed}, missed ${s.missed}, retries ${summary.retries}, errors ${JSON.stringify(summary.errors)}`;
}

// Turning runs into steps and ladders: the spread over repeats, whether a step passes (zero loss,
// keeps up with the offered rate, ack p99 under the bound), and the knee of a ladder.
import { type LadderResult, type PointRun, type StepResult, spread } from './results.js';

/** A step keeps up when the median achieved rate is at least this share of the offered rate. */
export const KEEP_UP_SHARE = 0.95;

export function summariseStep(runs: PointRun[], p99BoundMs: number): StepResult {
  const first = runs[0];
  if (!first) throw new RangeError('a step needs at least one run');
  const achievedRate = spread(runs.map((r) => r.achievedRate));
  const p99 = spread(runs.map((r) => r.latencyMs.p99));
  const names = new Set(runs.flatMap((r) => Object.keys(r.processes)));
  const cpuPercent: Record<string, number> = {};
  const rssMaxMiB: Record<string, number> = {};
  for (const name of names) {
    cpuPercent[name] = spread(runs.map((r) => r.processes[name]?.cpuPercent ?? null)).median ?? 0;
    rssMaxMiB[name] = Math.max(...runs.map((r) => r.processes[name]?.rssMaxMiB ?? 0));
  }
  const lossy = runs.filter((r) => !r.reconciliation.ok || r.samples.failed > 0 || r.samples.refused > 0);
  const zeroLoss = lossy.length === 0;
  const reasons: string[] = [];
  if (!zeroLoss) {
    const failed = runs.reduce((s, r) => s + r.samples.failed + r.samples.refused, 0);
    const unreconciled = runs.filter((r) => !r.reconciliation.ok).length;
    reasons.push(
      `loss: ${failed} samples failed or refused${unreconciled ? `, ${unreconciled} run(s) did not reconcile` : ''}`,
    );
  }
  const keptUp = (achievedRate.median ?? 0) >= KEEP_UP_SHARE * first.offeredRate;
  if (!keptUp)
    reasons.push(`achieved ${Math.round(achievedRate.median ?? 0)}/s < ${KEEP_UP_SHARE * 100}% of offered`);
  const fast = p99.median !== null && p99.median <= p99BoundMs;
  if (!fast)
    reasons.push(`ack p99 ${p99.median === null ? '—' : Math.round(p99.median)} ms > ${p99BoundMs} ms`);
  return {
    target: first.target,
    series: first.series,
    batchSize: first.batchSize,
    offeredRate: first.offeredRate,
    runs,
    achievedRate,
    p50: spread(runs.map((r) => r.latencyMs.p50)),
    p99,
    lagP99: spread(runs.map((r) => r.lag?.lagP99 ?? null)),
    addedP99: spread(runs.map((r) => r.lag?.addedP99 ?? null)),
    deliveryP99: spread(runs.map((r) => r.lag?.deliveryP99 ?? null)),
    cpuPercent,
    rssMaxMiB,
    zeroLoss,
    passed: zeroLoss && keptUp && fast,
    verdict: reasons.length ? reasons.join('; ') : 'pass',
  };
}

export function summariseLadder(steps: StepResult[]): Omit<LadderResult, 'target' | 'series'> {
  let knee: number | null = null;
  for (const step of steps) {
    if (!step.passed) break;
    knee = step.offeredRate;
  }
  const achieved = steps.map((s) => s.achievedRate.median ?? 0);
  return { steps, knee, peakAchieved: achieved.length ? Math.max(...achieved) : null };
}

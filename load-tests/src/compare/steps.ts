// Turning runs into steps and ladders: the spread over repeats, whether a step passes (zero loss,
// keeps up with the offered load, ack p99 from the schedule under the bound), whether the load
// generator was the limit, and the knee of a ladder. A generator-bound step ends the climb but is
// never counted as the system's failure: the system's limit is then at least the knee.
import { type LadderResult, type PointRun, type StepResult, spread } from './results.js';

/** A step keeps up when the median acknowledged share, and rate, are at least this share of what was due. */
export const KEEP_UP_SHARE = 0.95;

function medianPerProcess(runs: PointRun[], pick: (run: PointRun, name: string) => number | null) {
  const names = new Set(runs.flatMap((r) => Object.keys(r.processes)));
  const out: Record<string, number> = {};
  for (const name of names) out[name] = spread(runs.map((r) => pick(r, name))).median ?? 0;
  return out;
}

export function summariseStep(runs: PointRun[], p99BoundMs: number): StepResult {
  const first = runs[0];
  if (!first) throw new RangeError('a step needs at least one run');
  const achievedRate = spread(runs.map((r) => r.achievedRate));
  const ackedShare = spread(runs.map((r) => r.ackedShare));
  const p99 = spread(runs.map((r) => r.latencyMs.p99));
  const rssMaxMiB: Record<string, number> = {};
  for (const name of new Set(runs.flatMap((r) => Object.keys(r.processes)))) {
    rssMaxMiB[name] = Math.max(...runs.map((r) => r.processes[name]?.rssMaxMiB ?? 0));
  }
  const unreconciled = runs.filter((r) => !r.reconciliation.ok).length;
  const lossy = runs.filter((r) => !r.reconciliation.ok || r.samples.failed > 0 || r.samples.refused > 0);
  const zeroLoss = lossy.length === 0;
  const reasons: string[] = [];
  if (!zeroLoss) {
    const failed = runs.reduce((s, r) => s + r.samples.failed + r.samples.refused, 0);
    reasons.push(
      `loss: ${failed} samples failed or refused${unreconciled ? `, ${unreconciled} run(s) did not reconcile` : ''}`,
    );
  }
  const share = ackedShare.median ?? 0;
  const keptUp = share >= KEEP_UP_SHARE && (achievedRate.median ?? 0) >= KEEP_UP_SHARE * first.offeredRate;
  if (!keptUp) {
    reasons.push(
      `acked ${Math.round(share * 1000) / 10} % of due, ${Math.round(achievedRate.median ?? 0)}/s of ${first.offeredRate}/s (< ${KEEP_UP_SHARE * 100} %)`,
    );
  }
  const fast = p99.median !== null && p99.median <= p99BoundMs;
  if (!fast)
    reasons.push(`ack p99 ${p99.median === null ? '—' : Math.round(p99.median)} ms > ${p99BoundMs} ms`);
  const bound = runs.filter((r) => r.generator.bound);
  const generatorReasons = [...new Set(bound.flatMap((r) => r.generator.reasons))];
  const passed = zeroLoss && keptUp && fast && bound.length === 0;
  let verdict = reasons.length ? reasons.join('; ') : 'pass';
  if (!bound.length && runs.some((r) => r.generator.late))
    verdict += ' (generator late: the machine was full)';
  if (bound.length) {
    verdict = `GENERATOR-BOUND in ${bound.length} of ${runs.length} run(s) (${generatorReasons.join('; ')})${reasons.length ? `; also ${reasons.join('; ')}` : ''}`;
  }
  return {
    target: first.target,
    series: first.series,
    batchSize: first.batchSize,
    offeredRate: first.offeredRate,
    hosts: first.hosts,
    connectionModel: first.connectionModel,
    runs,
    achievedRate,
    ackedShare,
    bodyBytesPerSample: spread(runs.map((r) => r.bodyBytesPerSample ?? null)),
    p50: spread(runs.map((r) => r.latencyMs.p50)),
    p99,
    serviceP99: spread(runs.map((r) => r.serviceMs.p99)),
    lagP99: spread(runs.map((r) => r.lag?.lagP99 ?? null)),
    addedP99: spread(runs.map((r) => r.lag?.addedP99 ?? null)),
    deliveryP50: spread(runs.map((r) => r.lag?.deliveryP50 ?? null)),
    deliveryP99: spread(runs.map((r) => r.lag?.deliveryP99 ?? null)),
    cpuPercent: medianPerProcess(runs, (r, name) =>
      // the load generator's own measure (its process, every thread, while sending) when there is one
      name === 'load-generator' && r.generator.cpuPercent > 0
        ? r.generator.cpuPercent
        : (r.processes[name]?.cpuPercent ?? null),
    ),
    rssMaxMiB,
    rssPerConnectionKiB: medianPerProcess(runs, (r, name) => r.rssPerConnectionKiB[name] ?? null),
    generatorBound: bound.length > 0,
    generatorLate: runs.some((r) => r.generator.late),
    generatorReasons: generatorReasons.length
      ? generatorReasons
      : [...new Set(runs.filter((r) => r.generator.late).flatMap((r) => r.generator.reasons))],
    zeroLoss,
    passed,
    verdict,
  };
}

/** Where a step sits on its ladder: hosts for the fleet series, samples/s for the others. */
export function stepValue(step: Pick<StepResult, 'series' | 'hosts' | 'offeredRate'>): number {
  return step.series === 'fleet' ? step.hosts : step.offeredRate;
}

export function summariseLadder(steps: StepResult[]): Omit<LadderResult, 'target' | 'series'> {
  let knee: number | null = null;
  let limitedBy: LadderResult['limitedBy'] = 'ladder-top';
  for (const step of steps) {
    if (!step.passed) {
      // the generator could not keep up and the system lost nothing it acknowledged: not the system's failure
      const reconciled = step.runs.every((r) => r.reconciliation.ok);
      limitedBy = step.generatorBound && reconciled ? 'generator' : 'system';
      break;
    }
    knee = stepValue(step);
  }
  const achieved = steps.map((s) => s.achievedRate.median ?? 0);
  return {
    unit: steps[0]?.series === 'fleet' ? 'hosts' : 'samples/s',
    steps,
    knee,
    limitedBy,
    peakAchieved: achieved.length ? Math.max(...achieved) : null,
  };
}

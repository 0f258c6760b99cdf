// Reading a comparison: knees, ratios to the bare baselines, the project's goals met or missed
// (and by how much), and a plain-language paragraph for the top of the report.
import type { ComparisonSummary, LadderResult, StepResult, TargetName } from '../compare/results.js';
import { formatNumber } from './svg-chart.js';

export interface KneeRow {
  target: TargetName;
  series: string;
  batchSize: number;
  knee: number | null;
  /** True when the knee is the ladder's top step: the real limit is higher. */
  kneeAtTop: boolean;
  peakAchieved: number | null;
  baseline: TargetName | null;
  kneeRatio: number | null;
  /** How to read kneeRatio when a ladder topped out: '≥' (target at the top), '≤' (baseline at the top), '' exact. */
  ratioQualifier: '' | '≥' | '≤';
  peakRatio: number | null;
  firstFailure: string | null;
}

export interface GoalRow {
  goal: string;
  measured: string;
  met: boolean | null;
  gap: string;
}

export function baselineOf(target: TargetName): TargetName | null {
  if (target === 'http1' || target === 'h2c' || target === 'h2') return 'bare-http';
  if (target === 'ws') return 'bare-ws';
  return null;
}

function ladderTop(ladder: LadderResult, rates: number[]): boolean {
  return ladder.knee !== null && ladder.knee === rates.at(-1);
}

export function kneeRows(summary: Pick<ComparisonSummary, 'ladders' | 'options'>): KneeRow[] {
  return summary.ladders.map((ladder) => {
    const rates =
      (summary.options[ladder.series === 'single' ? 'ratesSingle' : 'ratesBatched'] as number[]) ?? [];
    const baseTarget = baselineOf(ladder.target);
    const base = summary.ladders.find((l) => l.series === ladder.series && l.target === baseTarget);
    const ratio = (a: number | null, b: number | null | undefined) =>
      a !== null && b ? Math.round((100 * a) / b) / 100 : null;
    const failing = ladder.steps.find((s) => !s.passed);
    const top = ladderTop(ladder, rates);
    const baseTop = base ? ladderTop(base, rates) : false;
    // both at the top step: the ladder, not either system, set both knees; no ratio to give
    const kneeRatio = top && baseTop ? null : ratio(ladder.knee, base?.knee);
    return {
      target: ladder.target,
      series: ladder.series,
      batchSize: ladder.steps[0]?.batchSize ?? 1,
      knee: ladder.knee,
      kneeAtTop: top,
      peakAchieved: ladder.peakAchieved,
      baseline: base ? base.target : null,
      kneeRatio,
      ratioQualifier: top ? '≥' : baseTop ? '≤' : '',
      peakRatio: ratio(ladder.peakAchieved, base?.peakAchieved),
      firstFailure: failing ? `${formatNumber(failing.offeredRate)}/s: ${failing.verdict}` : null,
    };
  });
}

function passingSteps(summary: Pick<ComparisonSummary, 'ladders'>, targets: TargetName[]): StepResult[] {
  return summary.ladders
    .filter((l) => targets.includes(l.target))
    .flatMap((l) => l.steps.filter((s) => s.passed));
}

export function goalRows(
  summary: Pick<ComparisonSummary, 'ladders' | 'options' | 'reconciliationFailures'>,
): GoalRow[] {
  const rows: GoalRow[] = [];
  const knee = (target: TargetName, series: string) =>
    summary.ladders.find((l) => l.target === target && l.series === series);
  const throughputGoal = (goal: string, target: TargetName, series: string, want: number) => {
    const ladder = knee(target, series);
    if (!ladder) {
      rows.push({ goal, measured: 'not run', met: null, gap: '' });
      return;
    }
    const k = ladder.knee ?? 0;
    const met = k >= want;
    rows.push({
      goal,
      measured: `${ladder.knee === null ? 'knee below the first step' : `knee ${formatNumber(k)}/s`} (peak acked ${formatNumber(ladder.peakAchieved ?? 0)}/s)`,
      met,
      gap: met ? 'met' : `missed by ${formatNumber(want - k)}/s (${Math.round((100 * k) / want)} % of goal)`,
    });
  };
  throughputGoal('10,000 single-sample req/s, HTTP/1.1 → System 1', 'http1', 'single', 10_000);
  throughputGoal('10,000 single-sample req/s, h2c → System 1', 'h2c', 'single', 10_000);
  throughputGoal('100,000 samples/s batched → System 1 (HTTP/1.1)', 'http1', 'batched', 100_000);
  throughputGoal('500,000 samples/s → System 2 (WebSocket)', 'ws', 'batched', 500_000);
  const viewers = Number(summary.options.viewers ?? 0);
  const lagGoal = (goal: string, targets: TargetName[], boundMs: number) => {
    const steps = passingSteps(summary, targets).filter((s) => s.addedP99.median !== null);
    if (steps.length === 0 || viewers === 0) {
      rows.push({ goal, measured: viewers === 0 ? 'no viewers' : 'no passing step', met: null, gap: '' });
      return;
    }
    const worst = steps.reduce((a, b) => ((b.addedP99.median ?? 0) > (a.addedP99.median ?? 0) ? b : a));
    const value = worst.addedP99.median ?? 0;
    const met = value < boundMs && viewers >= 500;
    rows.push({
      goal,
      measured: `${viewers} viewers; worst added lag p99 ${Math.round(value)} ms (${worst.target} ${worst.series} at ${formatNumber(worst.offeredRate)}/s; window lag p99 ${worst.lagP99.median ?? '—'} ms)`,
      met,
      gap: met
        ? 'met'
        : viewers < 500
          ? `only ${viewers} viewers`
          : `missed by ${Math.round(value - boundMs)} ms`,
    });
  };
  lagGoal('500+ viewers, lag p99 < 300 ms, System 1', ['http1', 'h2c', 'h2'], 300);
  lagGoal('500+ viewers, lag p99 < 150 ms, System 2', ['ws'], 150);
  const failures = summary.reconciliationFailures.length;
  rows.push({
    goal: 'zero loss (every acknowledged sample aggregated)',
    measured: failures ? `${failures} run(s) did not reconcile` : 'every run reconciled',
    met: failures === 0,
    gap: failures ? 'see Reconciliation' : 'met',
  });
  return rows;
}

/** Median load-generator CPU over every step, % of one core. */
export function loadGeneratorCpu(summary: Pick<ComparisonSummary, 'ladders'>): number | null {
  const values = summary.ladders.flatMap((l) => l.steps.map((s) => s.cpuPercent['load-generator'] ?? null));
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return known.length ? (known[Math.floor(known.length / 2)] ?? null) : null;
}

export function plainReading(summary: ComparisonSummary): string {
  const rows = kneeRows(summary);
  const say = (row: KneeRow | undefined) => {
    if (!row) return null;
    const k =
      row.knee === null
        ? 'not even its first step'
        : `${formatNumber(row.knee)} samples/s${row.kneeAtTop ? ' (the top step: its limit is higher)' : ''}`;
    return k;
  };
  const parts: string[] = [];
  const cores = summary.machine.cores;
  parts.push(
    `On this ${cores}-core machine, with the load generator, the viewers, Redis and the servers all sharing the same cores, each pipeline was driven with the same open-model load and stepped up until its ack p99 passed ${summary.options.p99BoundMs} ms, it fell behind the offered rate, or it lost anything.`,
  );
  for (const series of ['single', 'batched']) {
    const here = rows.filter((r) => r.series === series);
    if (here.length === 0) continue;
    const label =
      series === 'single' ? 'With one sample per request' : `With ${here[0]?.batchSize} samples per batch`;
    const bits = here
      .filter((r) => !r.target.startsWith('bare-'))
      .map(
        (r) =>
          `${r.target} held ${say(r)}${r.kneeRatio !== null ? ` (${Math.round(r.kneeRatio * 100)} % of its bare baseline)` : ''}`,
      );
    const bases = here.filter((r) => r.target.startsWith('bare-')).map((r) => `${r.target} ${say(r)}`);
    parts.push(
      `${label}, ${bits.join(', ')}${bases.length ? `; the bare servers, which do no parsing, queueing or aggregation, held ${bases.join(' and ')}` : ''}.`,
    );
  }
  const failures = summary.reconciliationFailures.length;
  parts.push(
    failures
      ? `${failures} run(s) did NOT reconcile: something acknowledged was not aggregated (details below).`
      : 'Every run reconciled: everything the producers had acknowledged was counted and aggregated once.',
  );
  const gen = loadGeneratorCpu(summary);
  if (gen !== null) {
    parts.push(
      `The load generator itself used about ${Math.round(gen)} % of one core (median over steps), CPU the systems could not use, so the ceilings here are lower than a separate client machine would show; the bare baselines measure that combined limit.`,
    );
  }
  if (summary.aborted) parts.push('The run was stopped early; this report holds only what was measured.');
  return parts.join(' ');
}

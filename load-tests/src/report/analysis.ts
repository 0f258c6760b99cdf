// Reading a comparison: knees, ratios to the bare baselines, the project's goals met or missed
// (and by how much), and a plain-language paragraph for the top of the report.
import type { ComparisonSummary, LadderResult, StepResult, TargetName } from '../compare/results.js';
import { formatNumber } from './svg-chart.js';

export interface KneeRow {
  target: TargetName;
  series: string;
  batchSize: number;
  /** What the knee is counted in: samples/s, or hosts for the fleet. */
  unit: 'samples/s' | 'hosts';
  knee: number | null;
  /** What ended the climb (see LadderResult.limitedBy). */
  limitedBy: LadderResult['limitedBy'];
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
  if (target === 'http1' || target === 'h2c' || target === 'h2' || target === 'http1+msgpack')
    return 'bare-http';
  if (target === 'ws' || target === 'ws+msgpack') return 'bare-ws';
  return null;
}

function ladderTop(ladder: LadderResult, rates: number[]): boolean {
  return ladder.knee !== null && ladder.knee === rates.at(-1);
}

const STEP_OPTION: Record<string, string> = {
  single: 'ratesSingle',
  batched: 'ratesBatched',
  fleet: 'fleetHosts',
};

/** How a knee reads: `12,000/s` or `10,000 hosts`. */
export function kneeText(value: number | null, unit: 'samples/s' | 'hosts' = 'samples/s'): string {
  if (value === null) return '—';
  return unit === 'hosts' ? `${formatNumber(value)} hosts` : `${formatNumber(value)}/s`;
}

export function kneeRows(summary: Pick<ComparisonSummary, 'ladders' | 'options'>): KneeRow[] {
  return summary.ladders.map((ladder) => {
    const rates = (summary.options[STEP_OPTION[ladder.series] ?? 'ratesBatched'] as number[]) ?? [];
    const baseTarget = baselineOf(ladder.target);
    const base = summary.ladders.find((l) => l.series === ladder.series && l.target === baseTarget);
    const ratio = (a: number | null, b: number | null | undefined) =>
      a !== null && b ? Math.round((100 * a) / b) / 100 : null;
    const failing = ladder.steps.find((s) => !s.passed);
    const top = ladderTop(ladder, rates);
    const baseTop = base ? ladderTop(base, rates) : false;
    // both at the top step: the ladder, not either system, set both knees; no ratio to give
    const kneeRatio = top && baseTop ? null : ratio(ladder.knee, base?.knee);
    const unit = ladder.unit ?? 'samples/s';
    return {
      target: ladder.target,
      series: ladder.series,
      batchSize: ladder.steps[0]?.batchSize ?? 1,
      unit,
      knee: ladder.knee,
      limitedBy: ladder.limitedBy ?? 'system',
      kneeAtTop: top,
      peakAchieved: ladder.peakAchieved,
      baseline: base ? base.target : null,
      kneeRatio,
      ratioQualifier: top ? '≥' : baseTop ? '≤' : '',
      peakRatio: ratio(ladder.peakAchieved, base?.peakAchieved),
      firstFailure: failing
        ? `${kneeText(unit === 'hosts' ? failing.hosts : failing.offeredRate, unit)}: ${failing.verdict}`
        : null,
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
    const generator = ladder.limitedBy === 'generator';
    rows.push({
      goal,
      measured:
        `${ladder.knee === null ? 'knee below the first step' : `knee ${formatNumber(k)}/s`} (peak acked ${formatNumber(ladder.peakAchieved ?? 0)}/s)` +
        (generator ? '; the next step was GENERATOR-BOUND' : ''),
      met: met ? true : generator ? null : false,
      gap: met
        ? 'met'
        : generator
          ? `not measured above ${formatNumber(k)}/s: the load generator could not keep its schedule (${Math.round((100 * k) / want)} % of goal shown)`
          : `missed by ${formatNumber(want - k)}/s (${Math.round((100 * k) / want)} % of goal)`,
    });
  };
  throughputGoal('10,000 single-sample req/s, HTTP/1.1 → System 1', 'http1', 'single', 10_000);
  throughputGoal('10,000 single-sample req/s, h2c → System 1', 'h2c', 'single', 10_000);
  throughputGoal('100,000 samples/s batched → System 1 (HTTP/1.1)', 'http1', 'batched', 100_000);
  throughputGoal(
    '1,000,000 samples/s batched → System 2 (WebSocket), generator not bound',
    'ws',
    'batched',
    1_000_000,
  );
  const fleetStep = (target: TargetName, hosts: number) =>
    summary.ladders
      .find((l) => l.target === target && l.series === 'fleet')
      ?.steps.find((s) => s.hosts === hosts);
  const fleetGoal = (goal: string, target: TargetName, limits: { ackP99?: number; deliveryP99?: number }) => {
    const step = fleetStep(target, 10_000);
    if (!step) {
      rows.push({ goal, measured: 'not run (no 10,000-host step)', met: null, gap: '' });
      return;
    }
    const p99 = step.p99.median;
    const delivery = step.deliveryP99.median;
    const share = step.ackedShare.median;
    const misses: string[] = [];
    if (!step.zeroLoss) misses.push(`loss (${step.verdict})`);
    if (share !== null && share < 1) misses.push(`acked ${Math.round(share * 10000) / 100} % of due`);
    if (limits.ackP99 !== undefined && (p99 === null || p99 > limits.ackP99))
      misses.push(
        `ack p99 ${p99 ?? '—'} ms > ${limits.ackP99} ms (by ${p99 === null ? '—' : Math.round(p99 - limits.ackP99)} ms)`,
      );
    if (limits.deliveryP99 !== undefined && (delivery === null || delivery > limits.deliveryP99))
      misses.push(
        `delivery p99 ${delivery ?? '—'} ms > ${limits.deliveryP99} ms (by ${delivery === null ? '—' : Math.round(delivery - limits.deliveryP99)} ms)`,
      );
    const measured = `acked ${share === null ? '—' : `${Math.round(share * 10000) / 100} %`}, ack p99 from schedule ${p99 ?? '—'} ms, delivery p99 ${delivery ?? '—'} ms, generator CPU ${Math.round(step.cpuPercent['load-generator'] ?? 0)} %${step.generatorBound ? ', GENERATOR-BOUND' : ''}`;
    rows.push({
      goal,
      measured,
      met: misses.length === 0 ? true : step.generatorBound ? null : false,
      gap:
        misses.length === 0
          ? 'met'
          : `${step.generatorBound ? 'generator-bound, so not a verdict on the system: ' : ''}${misses.join('; ')}`,
    });
  };
  fleetGoal('10,000-host fleet → System 2: zero loss, ack p99 ≤ 20 ms, delivery p99 ≤ 50 ms', 'ws', {
    ackP99: 20,
    deliveryP99: 50,
  });
  for (const target of ['http1', 'h2c', 'h2'] as const) {
    fleetGoal(`10,000-host fleet → System 1 over ${target}: zero loss`, target, {});
  }
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

/** Steps where the generator could not keep its schedule, as `target series step`. */
export function generatorBoundSteps(summary: Pick<ComparisonSummary, 'ladders'>): string[] {
  return summary.ladders.flatMap((l) =>
    l.steps
      .filter((s) => s.generatorBound)
      .map(
        (s) =>
          `${l.target} ${l.series} ${kneeText(l.unit === 'hosts' ? s.hosts : s.offeredRate, l.unit ?? 'samples/s')}`,
      ),
  );
}

/** Steps where the generator was late to its schedule though not busy (the machine was full). */
export function generatorLateSteps(summary: Pick<ComparisonSummary, 'ladders'>): string[] {
  return summary.ladders.flatMap((l) =>
    l.steps
      .filter((s) => s.generatorLate && !s.generatorBound)
      .map(
        (s) =>
          `${l.target} ${l.series} ${kneeText(l.unit === 'hosts' ? s.hosts : s.offeredRate, l.unit ?? 'samples/s')}`,
      ),
  );
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
        : `${row.unit === 'hosts' ? `${formatNumber(row.knee)} hosts` : `${formatNumber(row.knee)} samples/s`}${row.kneeAtTop ? ' (the top step: its limit is higher)' : ''}`;
    return k;
  };
  const parts: string[] = [];
  const cores = summary.machine.cores;
  parts.push(
    `On this ${cores}-core machine, with the load generator, the viewers, Redis and the servers all sharing the same cores, each pipeline was driven with the same open-model load and stepped up until its ack p99 (timed from each batch's scheduled send) passed ${summary.options.p99BoundMs} ms, it fell behind the load, it lost anything, or the load generator itself could not keep its schedule.`,
  );
  for (const series of ['fleet', 'single', 'batched']) {
    const here = rows.filter((r) => r.series === series);
    if (here.length === 0) continue;
    const label =
      series === 'fleet'
        ? 'As a fleet, one connection per host and one sample a second each'
        : series === 'single'
          ? 'With one sample per request over pooled connections'
          : `With ${here[0]?.batchSize} samples per batch over pooled connections`;
    const bits = here
      .filter((r) => !r.target.startsWith('bare-'))
      .map((r) =>
        r.knee === null && r.limitedBy === 'generator'
          ? `${r.target} could not be measured (the generator was the limit at its first step)`
          : `${r.target} held ${say(r)}${r.limitedBy === 'generator' ? ' (then the generator was the limit)' : ''}${r.kneeRatio !== null ? ` (${Math.round(r.kneeRatio * 100)} % of its bare baseline)` : ''}`,
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
  const bound = generatorBoundSteps(summary);
  parts.push(
    bound.length
      ? `The generator could not keep its own schedule (GENERATOR-BOUND) at ${bound.join(', ')}: those steps measure the generator as much as the system, and no knee counts them as the system's failure.`
      : "The generator kept its schedule in every step: the figures are the systems', not the generator's.",
  );
  if (summary.aborted) parts.push('The run was stopped early; this report holds only what was measured.');
  return parts.join(' ');
}

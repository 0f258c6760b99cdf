// The report's charts, built from the ladders: throughput vs offered, ack latency vs load,
// ingest-to-dashboard lag, and CPU / memory per target. Each is an SVG, later a PNG.
import type { ComparisonSummary, LadderResult, StepResult, TargetName } from '../compare/results.js';
import { type ChartLine, type ChartSpec, PALETTE, lineChart } from './svg-chart.js';

export interface Chart {
  file: string;
  title: string;
  svg: string;
}

/** Which processes serve each target, for its CPU and memory. */
export function serverProcesses(target: TargetName, names: string[]): string[] {
  if (target === 'bare-http' || target === 'bare-ws') return [target];
  if (target === 'ws' || target === 'ws+msgpack') return names.filter((n) => n === 's2-server');
  return names.filter((n) => n === 's1-server' || n.startsWith('s1-worker') || n === 'redis');
}

/** The process that holds a target's ingest connections. */
export function mainProcess(target: TargetName): string {
  return target === 'ws' || target === 'ws+msgpack'
    ? 's2-server'
    : target.startsWith('bare-')
      ? target
      : 's1-server';
}

function seriesLabel(ladders: LadderResult[]): string {
  const first = ladders[0];
  if (!first) return '';
  if (first.series === 'fleet') return 'fleet, one connection per host';
  return first.series === 'single'
    ? '1 sample per request'
    : `${first.steps[0]?.batchSize ?? ''} samples per batch`;
}

/** A step's place on the x axis: hosts for the fleet, offered samples/s otherwise. */
const xOf = (s: StepResult) => (s.series === 'fleet' ? s.hosts : s.offeredRate);

function line(
  ladder: LadderResult,
  value: (s: StepResult) => { median: number | null; min: number | null; max: number | null },
  dashed = false,
  suffix = '',
): ChartLine {
  return {
    name: `${ladder.target}${suffix}`,
    color: PALETTE[ladder.target] ?? '#333',
    dashed,
    points: ladder.steps.map((s) => [xOf(s), value(s).median]),
    whiskers: ladder.steps
      .map((s) => [xOf(s), value(s).min, value(s).max] as const)
      .filter((w): w is readonly [number, number, number] => w[1] !== null && w[2] !== null)
      .map((w) => [w[0], w[1], w[2]]),
  };
}

export function buildCharts(summary: Pick<ComparisonSummary, 'ladders' | 'options'>): Chart[] {
  const charts: Chart[] = [];
  const bound = Number(summary.options.p99BoundMs ?? 0);
  const seriesNames = [...new Set(summary.ladders.map((l) => l.series))];
  for (const series of seriesNames) {
    const ladders = summary.ladders.filter((l) => l.series === series);
    const label = seriesLabel(ladders);
    const xLabel = series === 'fleet' ? 'hosts (one connection and 1 sample/s each)' : 'offered samples/s';
    const add = (file: string, spec: ChartSpec) =>
      charts.push({ file: `${file}-${series}.png`, title: spec.title, svg: lineChart(spec) });

    add('throughput', {
      title: `Throughput vs offered load (${label})`,
      xLabel,
      yLabel: 'acknowledged samples/s (median, min–max)',
      lines: ladders.map((l) => line(l, (s) => s.achievedRate)),
      reference: { kind: 'diagonal' },
    });
    add('latency', {
      title: `Ack latency from the schedule (${label}): p99 solid, p50 dashed`,
      xLabel,
      yLabel: 'ack latency, ms (log)',
      logY: true,
      lines: ladders.flatMap((l) => [
        line(l, (s) => s.p99, false, ' p99'),
        { ...line(l, (s) => s.p50, true, ' p50'), whiskers: [] },
      ]),
      ...(bound
        ? { reference: { kind: 'horizontal' as const, y: bound, label: `knee bound ${bound} ms` } }
        : {}),
    });
    const viewed = ladders.filter(
      (l) => !l.target.startsWith('bare-') && l.steps.some((s) => s.lagP99.median !== null),
    );
    if (viewed.length) {
      add('lag', {
        title: `Dashboard (${label}): delivery delay p99 solid (window end to viewer), window lag p99 dashed`,
        xLabel,
        yLabel: 'ms (log)',
        logY: true,
        lines: viewed.flatMap((l) => [
          line(l, (s) => s.deliveryP99, false, ' delivery p99'),
          { ...line(l, (s) => s.lagP99, true, ' window lag p99'), whiskers: [] },
        ]),
      });
    }
    const names = [...new Set(ladders.flatMap((l) => l.steps.flatMap((s) => Object.keys(s.cpuPercent))))];
    add('cpu', {
      title: `CPU vs load (${label}): servers solid, load gen. dashed`,
      xLabel,
      yLabel: 'CPU, % of one core (200 % = both cores)',
      lines: ladders.flatMap((l) => {
        const procs = serverProcesses(l.target, names);
        return [
          {
            name: `${l.target} servers`,
            color: PALETTE[l.target] ?? '#333',
            points: l.steps.map((s): [number, number] => [
              xOf(s),
              procs.reduce((sum, p) => sum + (s.cpuPercent[p] ?? 0), 0),
            ]),
          },
          {
            name: `${l.target} load gen.`,
            color: PALETTE[l.target] ?? '#333',
            dashed: true,
            points: l.steps.map((s): [number, number] => [xOf(s), s.cpuPercent['load-generator'] ?? 0]),
          },
        ];
      }),
    });
    add('memory', {
      title: `Memory vs load (${label}): peak RSS of the ingest process`,
      xLabel,
      yLabel: 'RSS, MiB',
      lines: ladders.map((l) => ({
        name: l.target,
        color: PALETTE[l.target] ?? '#333',
        points: l.steps.map((s): [number, number] => [xOf(s), s.rssMaxMiB[mainProcess(l.target)] ?? 0]),
      })),
    });
  }
  return charts;
}

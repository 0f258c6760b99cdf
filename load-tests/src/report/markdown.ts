// report.md: machine, command, a plain reading, knees and ratios, goals, reconciliation, every step
// with its spread, charts, CPU profiles and how the numbers were taken.
import type { ComparisonSummary, Spread, StepResult } from '../compare/results.js';
import { goalRows, kneeRows, plainReading } from './analysis.js';
import { serverProcesses } from './charts.js';
import { formatNumber } from './svg-chart.js';

const fmt = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '—' : `${formatNumber(v)}${unit}`;
const spreadText = (s: Spread, unit = '') =>
  s.median === null
    ? '—'
    : s.min === s.max
      ? fmt(s.median, unit)
      : `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})`;

function stepRow(step: StepResult): string {
  const names = Object.keys(step.cpuPercent);
  const server = serverProcesses(step.target, names);
  const cpu = server.reduce((sum, n) => sum + (step.cpuPercent[n] ?? 0), 0);
  const rss = server.reduce((sum, n) => sum + (step.rssMaxMiB[n] ?? 0), 0);
  const errors: Record<string, number> = {};
  for (const run of step.runs)
    for (const [k, v] of Object.entries(run.errors)) errors[k] = (errors[k] ?? 0) + v;
  const errorText = Object.entries(errors)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const missed = step.runs.reduce((s, r) => s + r.samples.missed, 0);
  return `| ${step.target} | ${fmt(step.offeredRate)} | ${spreadText(step.achievedRate)} | ${spreadText(step.p50)} | ${spreadText(step.p99)} | ${spreadText(step.lagP99)} | ${spreadText(step.addedP99)} | ${spreadText(step.deliveryP99)} | ${errorText || '0'}${missed ? `; missed ${missed}` : ''} | ${Math.round(cpu)} % | ${Math.round(step.cpuPercent['load-generator'] ?? 0)} % | ${Math.round(rss)} | ${step.passed ? 'pass' : step.verdict} |`;
}

export function renderMarkdown(
  summary: ComparisonSummary,
  charts: { file: string; title: string }[],
): string {
  const m = summary.machine;
  const o = summary.options;
  const lines: string[] = [];
  lines.push(`# ingestlab comparison — ${summary.startedAt.slice(0, 19).replace('T', ' ')} UTC`, '');
  lines.push(
    '| machine | |',
    '| --- | --- |',
    `| CPU | ${m.cpuModel} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| Redis | ${m.redis} |`,
    `| load average (1 min) at start / end | ${m.loadAverage?.start ?? '—'} / ${m.loadAverage?.end ?? '—'}${Math.max(m.loadAverage?.start ?? 0, m.loadAverage?.end ?? 0) > m.cores ? ' — other work shared the machine: expect lower, noisier figures' : ''} |`,
    '',
    'Command:',
    '',
    '```sh',
    summary.command,
    '```',
    '',
    '## Reading',
    '',
    plainReading(summary),
    '',
  );

  lines.push('## Knees and ratios to the baselines', '');
  lines.push(
    `The knee is the highest step whose median ack p99 stayed at or under ${o.p99BoundMs} ms, whose median acknowledged rate kept up with at least 95 % of the offered rate, and where every repeat lost nothing (no failed or refused batch, reconciled). Ratios compare with the bare server of the same protocol family in the same run (node:http for HTTP/1.1, h2c and h2; ws for WebSocket); "≥" marks a knee at the ladder's top step.`,
    '',
    '| target | series | knee, samples/s | peak acked, samples/s | baseline | knee ratio | peak ratio | first failing step |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of kneeRows(summary)) {
    lines.push(
      `| ${row.target} | ${row.series === 'single' ? '1/request' : `${row.batchSize}/batch`} | ${row.kneeAtTop ? '≥ ' : ''}${fmt(row.knee)} | ${fmt(row.peakAchieved)} | ${row.baseline ?? '—'} | ${row.kneeRatio === null ? '—' : `${row.ratioQualifier}${row.kneeRatio}`} | ${row.peakRatio ?? '—'} | ${row.firstFailure ?? 'none'} |`,
    );
  }
  lines.push('', '## Goals', '', '| goal | measured | met | gap |', '| --- | --- | --- | --- |');
  for (const g of goalRows(summary)) {
    lines.push(
      `| ${g.goal} | ${g.measured} | ${g.met === null ? '—' : g.met ? 'yes' : '**no**'} | ${g.gap} |`,
    );
  }
  lines.push(
    '',
    '"Added lag" is what the pipeline adds on top of the window itself: the window\'s lag p99 beyond its length (samples wait up to one window by design) plus the p99 delay from the window\'s end to its arrival at the viewers, worst window of the run. The raw window lag p99 (sample timestamp to publication, as the system reports it) is given alongside.',
    '',
  );

  lines.push('## Reconciliation', '');
  if (summary.reconciliationFailures.length === 0) {
    const runs = summary.ladders.reduce((s, l) => s + l.steps.reduce((t, st) => t + st.runs.length, 0), 0);
    lines.push(
      `All ${runs} runs reconciled after draining: for each, the system's \`/stats\` delta had \`aggregated == accepted\`, and \`aggregated\` covered every sample the producers had acknowledged (minus those acknowledged as duplicates).`,
    );
  } else {
    lines.push('**Runs that did not reconcile:**', '');
    for (const f of summary.reconciliationFailures) lines.push(`- ${f}`);
  }
  lines.push('');

  for (const series of ['single', 'batched'] as const) {
    const ladders = summary.ladders.filter((l) => l.series === series);
    if (ladders.length === 0) continue;
    lines.push(
      `## Steps: ${series === 'single' ? 'one sample per request' : `${ladders[0]?.steps[0]?.batchSize} samples per batch`}`,
      '',
      `Median (min–max) over ${o.repeats} run(s) per step. Rates in samples/s, times in ms; CPU is % of one core (${m.cores * 100} % = all cores), median over runs; RSS is the peak in MiB of the target's server processes (for System 1: server, workers and Redis).`,
      '',
      '| target | offered | acked/s | ack p50 | ack p99 | window lag p99 | added lag p99 | delivery p99 | errors | server CPU | load-gen CPU | server RSS | verdict |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const ladder of ladders) for (const step of ladder.steps) lines.push(stepRow(step));
    lines.push('');
  }

  if (charts.length) {
    lines.push('## Charts', '');
    for (const chart of charts) lines.push(`![${chart.title}](${chart.file})`, '');
  }

  if (summary.profiles.length) {
    lines.push(
      '## Where the time goes (V8 CPU profiles, main thread, whole process life)',
      '',
      'Shares are of busy (not idle) time. "(native …)" is time in C++ with no JavaScript frame: socket writes, buffer copies.',
      '',
    );
    for (const p of summary.profiles) {
      lines.push(
        `### ${p.process}: ${formatNumber(p.busyMs)} ms busy of ${formatNumber(p.totalMs)} ms sampled`,
        '',
        `By package or folder: ${p.modules.map((m) => `${m.module} ${m.selfPercent} %`).join(', ')}.`,
        '',
        '| self % | self ms | function | where |',
        '| --- | --- | --- | --- |',
      );
      for (const t of p.top) lines.push(`| ${t.selfPercent} | ${t.selfMs} | \`${t.name}\` | ${t.location} |`);
      lines.push('', `Profile: \`${p.file}\` (open it in Chrome DevTools, Performance tab).`, '');
    }
  }

  lines.push(
    '## How the numbers were taken',
    '',
    `- Load: \`@ingestlab/producers\` \`runLoad\`, open model (batches are released on schedule, not when the previous one is acknowledged), ${o.hosts} simulated hosts with seed ${o.seed}, the rate set by each host's sample interval; ${o.connections} connections (one producer each), ${o.loadThreads} load thread(s); ${o.durationS} s per run; the same for every target.`,
    `- Viewers: ${o.viewers} per system (${Math.round(Number(o.viewers) * Number(o.sseShare))} on SSE, the rest on WebSocket \`/live\`), connected to both systems for the whole run, in a separate process; each window frame is timed on arrival.`,
    `- System 1 ran as one server process and ${o.workers} worker processes with a private Redis; its per-address rate limiter was turned off (RATE_LIMIT_MAX=0) because all load comes from 127.0.0.1. System 2 ran as one process. Everything ran from source via tsx.`,
    '- Ack latency is first send to final acknowledgement (retries included), per batch.',
    '- The load generator runs on the same cores as the systems: its CPU is shown in every row, and the bare baselines show the ceiling that this shared machine allows.',
    ...summary.notes.map((n) => `- Note: ${n}`),
    '',
  );
  return lines.join('\n');
}

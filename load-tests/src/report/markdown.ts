// report.md: machine, command, a plain reading, knees and ratios, goals, reconciliation, every step
// with its spread, charts, CPU profiles and how the numbers were taken.
import type { ComparisonSummary, Spread, StepResult } from '../compare/results.js';
import {
  generatorBoundSteps,
  generatorLateSteps,
  goalRows,
  kneeRows,
  kneeText,
  plainReading,
} from './analysis.js';
import { mainProcess, serverProcesses } from './charts.js';
import { formatNumber } from './svg-chart.js';

const fmt = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '—' : `${formatNumber(v)}${unit}`;
const spreadText = (s: Spread, unit = '') =>
  s.median === null
    ? '—'
    : s.min === s.max
      ? fmt(s.median, unit)
      : `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})`;

const shareText = (s: Spread) =>
  s.median === null
    ? '—'
    : `${Math.round(s.median * 10000) / 100} %${s.min !== s.max ? ` (${Math.round((s.min ?? 0) * 10000) / 100}–${Math.round((s.max ?? 0) * 10000) / 100})` : ''}`;

function errorsOf(step: StepResult): string {
  const errors: Record<string, number> = {};
  for (const run of step.runs)
    for (const [k, v] of Object.entries(run.errors)) errors[k] = (errors[k] ?? 0) + v;
  const missed = step.runs.reduce((s, r) => s + r.samples.missed, 0);
  const text = Object.entries(errors)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `${text || '0'}${missed ? `; missed ${missed}` : ''}`;
}

function serverFigures(step: StepResult) {
  const server = serverProcesses(step.target, Object.keys(step.cpuPercent));
  const main = mainProcess(step.target);
  return {
    cpu: server.reduce((sum, n) => sum + (step.cpuPercent[n] ?? 0), 0),
    rss: server.reduce((sum, n) => sum + (step.rssMaxMiB[n] ?? 0), 0),
    perConnection: step.rssPerConnectionKiB[main],
  };
}

/** The server's CPU (% of one core) per 1,000 samples/s acked: what an encoding costs the system. */
function cpuPer1k(step: StepResult, serverCpu: number): string {
  const rate = step.achievedRate.median ?? 0;
  return rate > 0 ? `${((serverCpu * 1000) / rate).toFixed(2)} %` : '—';
}

const generatorCell = (step: StepResult) =>
  `${Math.round(step.cpuPercent['load-generator'] ?? 0)} %${step.generatorBound ? ' **GENERATOR-BOUND**' : step.generatorLate ? ' late' : ''}`;

const verdictCell = (step: StepResult) => (step.passed ? 'pass' : step.verdict);

function stepRow(step: StepResult): string {
  const server = serverFigures(step);
  return `| ${step.target} | ${fmt(step.offeredRate)} | ${spreadText(step.achievedRate)} | ${shareText(step.ackedShare)} | ${spreadText(step.p50)} | ${spreadText(step.p99)} | ${spreadText(step.serviceP99)} | ${spreadText(step.lagP99)} | ${spreadText(step.deliveryP99)} | ${errorsOf(step)} | ${Math.round(server.cpu)} % | ${cpuPer1k(step, server.cpu)} | ${spreadText(step.bodyBytesPerSample)} | ${generatorCell(step)} | ${Math.round(server.rss)} | ${verdictCell(step)} |`;
}

function fleetRow(step: StepResult): string {
  const server = serverFigures(step);
  const reconciled = step.runs.every((r) => r.reconciliation.ok) ? 'yes' : '**no**';
  return `| ${step.target} | ${fmt(step.hosts)} | ${shareText(step.ackedShare)} | ${spreadText(step.p50)} | ${spreadText(step.p99)} | ${spreadText(step.serviceP99)} | ${spreadText(step.deliveryP50)} | ${spreadText(step.deliveryP99)} | ${errorsOf(step)} | ${Math.round(server.cpu)} % | ${cpuPer1k(step, server.cpu)} | ${spreadText(step.bodyBytesPerSample)} | ${Math.round(server.rss)} | ${server.perConnection === undefined ? '—' : fmt(server.perConnection)} | ${generatorCell(step)} | ${reconciled} | ${verdictCell(step)} |`;
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

  const bound = generatorBoundSteps(summary);
  lines.push(
    '## The load generator',
    '',
    bound.length
      ? `**GENERATOR-BOUND** at ${bound.join(', ')}: the generator itself was at its limit there (a producer thread's event loop busy more than 90 % of the time, or batches dropped for falling more than 1 s behind). Those steps measure the generator as much as the system; the knees below never count them as the system's failure ("limited by: generator").`
      : "The generator was never at its own limit (every producer thread's event loop busy ≤ 90 %, nothing dropped for lateness): the figures below are the systems', not the generator's.",
    '',
  );
  const late = generatorLateSteps(summary);
  if (late.length) {
    lines.push(
      `The generator was **late** (schedule lag p99 over 50 ms though not busy) at ${late.join(', ')}: it did not get the CPU in time because the machine was full (the systems under test, the viewers, or other work; compare the load average above). Latency from the schedule includes that lateness; those steps count as measured.`,
      '',
    );
  }

  lines.push('## Knees and ratios to the baselines', '');
  lines.push(
    `The knee is the highest step whose median ack p99 (from each batch's scheduled time) stayed at or under ${o.p99BoundMs} ms, whose median acknowledged share and rate kept up with at least 95 % of what was due, where every repeat lost nothing (no failed or refused batch, reconciled) and where the generator was not at its own limit. The fleet series' knee is in hosts (one connection and one sample a second each). Ratios compare with the bare server of the same protocol family in the same run (node:http for HTTP/1.1, h2c and h2; ws for WebSocket); "≥" marks a knee at the ladder's top step. "Limited by: generator" means the next step was generator-bound: the system's limit is at least the knee.`,
    '',
    '| target | series | knee | limited by | peak acked, samples/s | baseline | knee ratio | peak ratio | first failing step |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of kneeRows(summary)) {
    const series =
      row.series === 'fleet'
        ? 'fleet, per host'
        : row.series === 'single'
          ? '1/request'
          : `${row.batchSize}/batch`;
    lines.push(
      `| ${row.target} | ${series} | ${row.knee !== null && (row.kneeAtTop || row.limitedBy === 'generator') ? '≥ ' : ''}${kneeText(row.knee, row.unit)} | ${row.limitedBy === 'ladder-top' ? 'the ladder (every step passed)' : row.limitedBy === 'generator' ? '**generator**' : 'system'} | ${fmt(row.peakAchieved)} | ${row.baseline ?? '—'} | ${row.kneeRatio === null ? '—' : `${row.ratioQualifier}${row.kneeRatio}`} | ${row.peakRatio ?? '—'} | ${row.firstFailure ?? 'none'} |`,
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

  const fleet = summary.ladders.filter((l) => l.series === 'fleet');
  if (fleet.length) {
    lines.push(
      '## Steps: the fleet, one connection per host',
      '',
      `Each host is its own producer on its own connection (HTTP/1.1 keep-alive socket, HTTP/2 session or WebSocket) and reports one sample a second; connections ramp up at ${o.connectRate ?? 1000} a second and only the steady part after the ramp is measured. Median (min–max) over ${o.repeats} run(s). Times in ms. Acked share: acknowledged samples over samples due. Ack latency is timed from each batch's scheduled time; service is the final send to its ack. Delivery: a window's end to its arrival at the viewers. CPU is % of one core (${m.cores * 100} % = all cores); RSS is the peak in MiB of the target's server processes; RSS per connection is the ingest process's RSS growth since its ladder began, divided by the step's connections, KiB (System 1's server serves HTTP/1.1, h2c and h2 in turn: memory it kept from an earlier pipeline can hide part of a later one's cost; run one pipeline alone for a clean figure).`,
      '',
      '| target | hosts | acked share | ack p50 | ack p99 | service p99 | delivery p50 | delivery p99 | errors | server CPU | CPU per 1k samples/s | body B/sample | server RSS | RSS/connection KiB | generator CPU | reconciled | verdict |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const ladder of fleet) for (const step of ladder.steps) lines.push(fleetRow(step));
    lines.push('');
  }
  for (const series of ['single', 'batched'] as const) {
    const ladders = summary.ladders.filter((l) => l.series === series);
    if (ladders.length === 0) continue;
    lines.push(
      `## Steps: ${series === 'single' ? 'one sample per request' : `${ladders[0]?.steps[0]?.batchSize} samples per batch`}, ${o.connections} pooled connections`,
      '',
      `Median (min–max) over ${o.repeats} run(s) per step. Rates in samples/s, times in ms; ack latency from each batch's scheduled time, service from its final send. CPU is % of one core (${m.cores * 100} % = all cores), median over runs; RSS is the peak in MiB of the target's server processes (for System 1: server, workers and Redis).`,
      '',
      '| target | offered | acked/s | acked share | ack p50 | ack p99 | service p99 | window lag p99 | delivery p99 | errors | server CPU | CPU per 1k samples/s | body B/sample | generator CPU | server RSS | verdict |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
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
    `- Load: \`@ingestlab/producers\` \`runLoad\`, open model (batches are released on schedule, not when the previous one is acknowledged), seed ${o.seed}; ${o.durationS} s measured per run (after the ramp); load threads: ${o.loadThreads}; the same for every target. Fleet series: one producer and one connection per host, ${o.connectRate ?? 1000} connections opened a second while ramping. Single and batched series: ${o.hosts} hosts, the rate set by each host's sample interval, over ${o.connections} pooled connections (one producer each).`,
    '- Ack latency is timed from each batch\'s scheduled time (so time a batch waited for its connection, for a retry or for a late generator counts: no coordinated omission), per batch, retries included; "service" is from the final send to the ack. Both use the aggregation package\'s histogram (at most 1/128 of the value wide).',
    "- The generator measures itself in every run: its process CPU while sending (all threads), each producer thread's event-loop utilisation, and its schedule lag (how late batches were released). It is GENERATOR-BOUND when the lag p99 passes 50 ms, a thread is busy more than 90 % of the time, or it dropped batches for falling more than 1 s behind (thresholds in packages/producers/src/generator-report.ts).",
    `- Viewers: ${o.viewers} per system (${Math.round(Number(o.viewers) * Number(o.sseShare))} on SSE, the rest on WebSocket \`/live\`), connected to both systems for the whole run, in a separate process; each window frame is timed on arrival.`,
    `- System 1 ran as one server process and ${o.workers} worker processes with a private Redis; its per-address rate limiter was turned off (RATE_LIMIT_MAX=0) because all load comes from 127.0.0.1. System 2 ran as one process. Everything ran from source via tsx.`,
    '- The load generator runs on the same cores as the systems: its CPU is shown in every row, and the bare baselines show the ceiling that this shared machine allows.',
    ...summary.notes.map((n) => `- Note: ${n}`),
    '',
  );
  return lines.join('\n');
}

// How the CLI shows a run: a progress line (rewritten in place on a TTY) and the closing summary
// in plain text, with the connection model, both latencies and the generator's own verdict.
import type { LoadProgress } from './load-options.js';
import type { Percentiles } from './percentiles.js';
import type { LoadSummary } from './summary.js';

export function progressLine(p: LoadProgress): string {
  const seconds = (p.elapsedMs / 1000).toFixed(0).padStart(4);
  return (
    `${seconds}s  rate ${fmt(p.ackRate)}/s of ${fmt(p.targetRate)}/s  connections ${fmt(p.open)}/${fmt(p.connections)}` +
    `  sent ${fmt(p.sent)}  acked ${fmt(p.acknowledged)}  in flight ${fmt(p.inFlight)}` +
    `  retries ${fmt(p.retries)}  errors ${fmt(p.errors)}` +
    (p.refused ? `  refused ${fmt(p.refused)}` : '') +
    (p.failed ? `  failed ${fmt(p.failed)}` : '') +
    (p.missed ? `  missed ${fmt(p.missed)}` : '') +
    (p.endToEnd
      ? `  kept ${mebibytes(p.endToEnd.retainedBytes)} MiB  committed ${fmt(p.endToEnd.committed)}`
      : '')
  );
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

const latency = (label: string, l: Percentiles) =>
  `${label.padEnd(22)}p50 ${l.p50 ?? '-'}  p95 ${l.p95 ?? '-'}  p99 ${l.p99 ?? '-'}  max ${l.max ?? '-'}`;

export function summaryText(s: LoadSummary): string {
  const row = (label: string, batches: number, samples: number) =>
    `  ${label.padEnd(14)}${fmt(batches).padStart(14)}${fmt(samples).padStart(16)}`;
  const errors = Object.entries(s.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `  ${kind}: ${fmt(count)}`);
  const g = s.generator;
  const model =
    s.connectionModel === 'per-host'
      ? `per-host connections (${fmt(s.connections)}, one per host)`
      : `${fmt(s.connections)} pooled connection(s)`;
  return [
    `${s.target} (${s.encoding}) ${s.url}  ${fmt(s.hosts)} hosts every ${s.intervalMs} ms, batch ${s.batchSize}, ${model}, ` +
      `${s.workers} thread(s), seed ${s.seed}`,
    `ran ${(s.elapsedMs / 1000).toFixed(1)} s (ramp ${(s.rampMs / 1000).toFixed(1)} s, stopped by ${s.stoppedBy}); ` +
      `target ${fmt(s.targetRate)} samples/s, acknowledged ${fmt(s.rates.acknowledgedPerSec)}/s after the ramp; ` +
      `acked share ${s.ackedShare === null ? '-' : `${(s.ackedShare * 100).toFixed(2)} %`}`,
    `connections opened ${fmt(s.connectionsOpened)}, lost ${fmt(s.connectionsLost)}; ` +
      `batch bodies ${fmt(s.bodyBytes.total)} B (${s.bodyBytes.perSample ?? '-'} B per sample, ${s.encoding})`,
    `  ${''.padEnd(14)}${'batches'.padStart(14)}${'samples'.padStart(16)}`,
    row('due', s.batches.due, s.samples.due),
    row('sent', s.batches.sent, s.samples.sent),
    row('acknowledged', s.batches.acknowledged, s.samples.acknowledged),
    row('  duplicates', s.batches.duplicates, s.samples.duplicates),
    row('refused', s.batches.refused, s.samples.refused),
    row('failed', s.batches.failed, s.samples.failed),
    row('missed', s.batches.missed, s.samples.missed),
    s.batches.missed
      ? `  missed because the backlog was full: ${fmt(s.missedBy.backlog)} batches; the generator fell behind: ${fmt(s.missedBy.generator)}`
      : '',
    `retries ${fmt(s.retries)}`,
    ...(s.endToEnd
      ? [
          `end-to-end: kept until committed`,
          row('kept', s.endToEnd.retained.batches, s.endToEnd.retained.samples),
          row('committed', s.endToEnd.committed.batches, s.endToEnd.committed.samples),
          row('replayed', s.endToEnd.replayed.batches, s.endToEnd.replayed.samples),
          row('  duplicates', s.endToEnd.replayDuplicates.batches, s.endToEnd.replayDuplicates.samples),
          row('  folded again', s.endToEnd.refolded.batches, s.endToEnd.refolded.samples),
          row('uncommitted', s.endToEnd.uncommitted.batches, s.endToEnd.uncommitted.samples),
          `  most kept at once ${mebibytes(s.endToEnd.peakBytes)} MiB; sends that waited for room ${fmt(s.endToEnd.waits)}`,
        ]
      : []),
    latency('ack ms from schedule', s.latencyMs.fromSchedule),
    latency('ack ms service', s.latencyMs.service),
    `generator: CPU ${g.cpuPercent} % of one core over ${g.threads} thread(s), event loops ` +
      `${g.eventLoopUtilization.map((u) => `${Math.round(u * 100)} %`).join(', ')} busy, schedule lag ` +
      `p50 ${g.scheduleLagMs.p50 ?? '-'} p99 ${g.scheduleLagMs.p99 ?? '-'} max ${g.scheduleLagMs.max ?? '-'} ms`,
    g.bound
      ? `GENERATOR-BOUND: ${g.reasons.join('; ')}. These figures measure the load generator as much as the system.`
      : g.late
        ? `LATE GENERATOR: ${g.reasons.join('; ')}. Latency from the schedule includes that lateness.`
        : 'generator kept its schedule (not generator-bound)',
    errors.length ? `errors by kind:\n${errors.join('\n')}` : 'errors: none',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// How the CLI shows a run: a progress line (rewritten in place on a TTY) and the closing summary
// in plain text.
import type { LoadProgress } from './load-options.js';
import type { LoadSummary } from './summary.js';

export function progressLine(p: LoadProgress): string {
  const seconds = (p.elapsedMs / 1000).toFixed(0).padStart(4);
  return (
    `${seconds}s  rate ${fmt(p.ackRate)}/s of ${fmt(p.targetRate)}/s  sent ${fmt(p.sent)}  acked ${fmt(p.acknowledged)}` +
    `  in flight ${fmt(p.inFlight)}  retries ${fmt(p.retries)}  errors ${fmt(p.errors)}` +
    (p.refused ? `  refused ${fmt(p.refused)}` : '') +
    (p.failed ? `  failed ${fmt(p.failed)}` : '') +
    (p.missed ? `  missed ${fmt(p.missed)}` : '')
  );
}

export function summaryText(s: LoadSummary): string {
  const row = (label: string, batches: number, samples: number) =>
    `  ${label.padEnd(14)}${fmt(batches).padStart(14)}${fmt(samples).padStart(16)}`;
  const errors = Object.entries(s.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `  ${kind}: ${fmt(count)}`);
  const l = s.latencyMs;
  return [
    `${s.target} ${s.url}  ${fmt(s.hosts)} hosts every ${s.intervalMs} ms, batch ${s.batchSize}, ` +
      `${s.workers} worker(s), ${s.connections} connection(s), seed ${s.seed}`,
    `ran ${(s.elapsedMs / 1000).toFixed(1)} s (stopped by ${s.stoppedBy}); target ${fmt(s.targetRate)} samples/s, ` +
      `sent ${fmt(s.rates.sentPerSec)}/s, acknowledged ${fmt(s.rates.acknowledgedPerSec)}/s`,
    `  ${''.padEnd(14)}${'batches'.padStart(14)}${'samples'.padStart(16)}`,
    row('sent', s.batches.sent, s.samples.sent),
    row('acknowledged', s.batches.acknowledged, s.samples.acknowledged),
    row('  duplicates', s.batches.duplicates, s.samples.duplicates),
    row('refused', s.batches.refused, s.samples.refused),
    row('failed', s.batches.failed, s.samples.failed),
    row('missed', s.batches.missed, s.samples.missed),
    `retries ${fmt(s.retries)}`,
    `ack latency ms: p50 ${l.p50 ?? '-'}  p95 ${l.p95 ?? '-'}  p99 ${l.p99 ?? '-'}  max ${l.max ?? '-'}`,
    errors.length ? `errors by kind:\n${errors.join('\n')}` : 'errors: none',
  ].join('\n');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

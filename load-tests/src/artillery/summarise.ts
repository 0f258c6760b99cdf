// A readable summary of an Artillery JSON report: ensure checks, counters, latency summaries and the
// per-interval rate and p99, as markdown (the runner also turns it into HTML).

export interface ArtillerySummaryStats {
  min: number;
  max: number;
  count: number;
  mean: number;
  p50: number;
  median?: number;
  p95: number;
  p99: number;
}

export interface ArtilleryPeriod {
  counters?: Record<string, number>;
  rates?: Record<string, number>;
  summaries?: Record<string, ArtillerySummaryStats>;
  firstMetricAt?: number;
  lastMetricAt?: number;
  period?: number | string;
}

export interface ArtilleryReport {
  aggregate: ArtilleryPeriod;
  intermediate?: ArtilleryPeriod[];
}

const round = (v: number | undefined) => (v === undefined ? '—' : String(Math.round(v * 10) / 10));

export function summariseArtillery(
  report: ArtilleryReport,
  info: { scenario: string; command: string; checks: string[]; exitCode: number },
): string {
  const a = report.aggregate;
  const lines: string[] = [];
  const seconds = a.firstMetricAt && a.lastMetricAt ? (a.lastMetricAt - a.firstMetricAt) / 1000 : null;
  lines.push(`# Artillery: ${info.scenario}`, '');
  lines.push('```sh', info.command, '```', '');
  lines.push(
    `Started ${a.firstMetricAt ? new Date(a.firstMetricAt).toISOString() : '—'}, ${seconds === null ? '' : `${Math.round(seconds)} s, `}exit code ${info.exitCode} (${info.exitCode === 0 ? 'every ensure check passed' : 'an ensure check failed or the run broke'}).`,
    '',
  );
  if (info.checks.length) {
    lines.push('## Ensure checks', '');
    for (const check of info.checks) lines.push(`- ${check}`);
    lines.push('');
  }
  const counters = a.counters ?? {};
  const created = counters['vusers.created'] ?? 0;
  const failed = counters['vusers.failed'] ?? 0;
  lines.push('## Counters', '', '| counter | value |', '| --- | --- |');
  for (const [name, value] of Object.entries(counters).sort()) lines.push(`| ${name} | ${value} |`);
  lines.push(`| virtual users failed, % | ${created ? round((100 * failed) / created) : '—'} |`, '');
  const sent = counters['ingest.samples_sent'];
  const acked = counters['ingest.samples_acked'];
  if (sent !== undefined && seconds) {
    lines.push(
      `Samples: ${sent} sent, ${acked ?? 0} acknowledged (${round((acked ?? 0) / seconds)} samples/s over the run).`,
      '',
    );
  }
  const summaries = a.summaries ?? {};
  if (Object.keys(summaries).length) {
    lines.push(
      '## Latency and timing summaries (ms)',
      '',
      '| metric | count | min | p50 | p95 | p99 | max |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, s] of Object.entries(summaries).sort()) {
      lines.push(
        `| ${name} | ${s.count} | ${round(s.min)} | ${round(s.p50)} | ${round(s.p95)} | ${round(s.p99)} | ${round(s.max)} |`,
      );
    }
    lines.push('');
  }
  const periods = report.intermediate ?? [];
  if (periods.length) {
    const latency = (p: ArtilleryPeriod) =>
      p.summaries?.['http.response_time'] ??
      p.summaries?.['ingest.ack_latency'] ??
      p.summaries?.['viewer.window_delay'];
    lines.push(
      '## Over time',
      '',
      '| at | vusers created | requests or messages/s | p50 | p99 |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const p of periods) {
      const rate =
        p.rates?.['http.request_rate'] ??
        p.rates?.['websocket.send_rate'] ??
        p.rates?.['websocket.receive_rate'];
      const l = latency(p);
      lines.push(
        `| ${p.firstMetricAt ? new Date(p.firstMetricAt).toISOString().slice(11, 19) : '—'} | ${p.counters?.['vusers.created'] ?? 0} | ${round(rate)} | ${round(l?.p50)} | ${round(l?.p99)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

// What System 2's end-to-end acknowledgements cost, measured in one run against the default mode:
// the same loads (the 10,000-host per-host fleet, and pooled batches) into a classic System 2 (no
// DATA_DIR) and into one with a DATA_DIR over `?commit=1`, one after the other on the same machine.
// Per run: acknowledged samples/s, ack latency (from schedule p50/p99, service p99), the generator's
// verdict, the producer process's peak RSS and bytes kept, and for end-to-end the watermark writes
// (count, mean, upper bound of the slowest) from System 2's /metrics. A last run holds the batched
// load's producers at a small retention bound to show memory and backpressure there. `--help` for the flags.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LoadOptions, type LoadSummary, runLoad } from '@ingestlab/producers';
import { type System2, startSystem2 } from '../faults/support/system2.js';

const HELP = `pnpm --filter @ingestlab/load-tests bench:end-to-end [options]

Runs System 2 twice from source (classic; and with a DATA_DIR for end-to-end acknowledgements) and
drives each with the same loads, alternating, then prints one table (ratios to the classic run of the
same load) and writes load-tests/results/end-to-end-cost-<time>.json.

Options
  --duration <s>      sending time per run, after the ramp             (default: 10)
  --fleet-hosts <n>   per-host fleet: hosts, one connection and 1 sample/s each (default: 10000)
  --batched-rate <n>  pooled series: samples/s, 64 connections, batch 100 (default: 100000)
  --bound <bytes>     the retention bound of the last run (the batched load), bytes (default: 16000000)
  -h, --help          this text
`;

interface Point {
  name: string;
  options: Omit<LoadOptions, 'target' | 'url' | 'durationMs'>;
}

interface Row {
  point: string;
  mode: 'classic' | 'end-to-end' | 'end-to-end at the bound';
  summary: LoadSummary;
  peakRssMb: number;
  watermark: { writes: number; meanMs: number; maxAtMostMs: number } | null;
  /** Acknowledged samples the server did not count as accepted in this run (its /stats, before and after). */
  lost: number;
  loadAverage: [number, number];
}

function flags() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      'fleet-hosts': { type: 'string', default: '10000' },
      'batched-rate': { type: 'string', default: '100000' },
      bound: { type: 'string', default: '16000000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`--${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    durationS: int('duration', values.duration, 1),
    fleetHosts: int('fleet-hosts', values['fleet-hosts'], 1),
    batchedRate: int('batched-rate', values['batched-rate'], 100),
    bound: int('bound', values.bound, 1024),
  };
}

/** Watermark writes so far, from the Prometheus text of /metrics: count, sum (s), cumulative buckets. */
async function watermarkWrites(system: System2) {
  const text = await (await fetch(`${system.httpUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? 0);
  const buckets: [number, number][] = [];
  // every series carries the default label system="ws-memory"
  for (const m of text.matchAll(/^ingest_watermark_write_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/gm)) {
    buckets.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  return {
    count: value(/^ingest_watermark_write_seconds_count(?:\{[^}]*\})? (\d+)/m),
    sum: value(/^ingest_watermark_write_seconds_sum(?:\{[^}]*\})? ([\d.e+-]+)/m),
    buckets,
  };
}

const accepted = async (system: System2) =>
  ((await (await fetch(`${system.httpUrl}/stats`)).json()) as { accepted: number }).accepted;

async function measure(
  system: System2,
  point: Point,
  endToEnd: boolean,
  durationS: number,
  retainMaxBytes?: number,
) {
  const before = endToEnd ? await watermarkWrites(system) : null;
  const acceptedBefore = await accepted(system);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const summary = await runLoad({
    ...point.options,
    target: 'ws',
    url: system.wsUrl,
    durationMs: durationS * 1000,
    producerPrefix: `e2e-cost-${Date.now().toString(36)}`,
    drainTimeoutMs: 60_000,
    ...(endToEnd ? { endToEnd: true } : {}),
    ...(retainMaxBytes ? { retainMaxBytes } : {}),
  });
  clearInterval(sampler);
  const lost =
    summary.samples.acknowledged - summary.samples.duplicates - ((await accepted(system)) - acceptedBefore);
  let watermark: Row['watermark'] = null;
  if (before) {
    const after = await watermarkWrites(system);
    const writes = after.count - before.count;
    // the slowest write is at most the first bucket bound whose count grew by all of this run's writes
    const grown = after.buckets.find(
      ([le], i) => after.buckets[i]![1] - (before.buckets.find(([b]) => b === le)?.[1] ?? 0) >= writes,
    );
    watermark = {
      writes,
      meanMs: writes > 0 ? ((after.sum - before.sum) * 1000) / writes : 0,
      maxAtMostMs: (grown?.[0] ?? Number.POSITIVE_INFINITY) * 1000,
    };
  }
  return { summary, peakRssMb: peakRss / 2 ** 20, watermark, lost };
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });

function table(rows: Row[]): string {
  const lines = [
    '| load | mode | acked samples/s | ratio | ack p50 ms | ack p99 ms | p99 ratio | service p99 ms | generator-bound | acked − accepted (/stats) | failed + uncommitted | producer peak RSS MB | bytes kept (peak) | waits at bound | watermark writes (mean ms, slowest ≤ ms) | load avg 1/5 min |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.point === row.point && r.mode === 'classic')?.summary;
    const s = row.summary;
    const p99 = s.latencyMs.fromSchedule.p99;
    const e = s.endToEnd;
    lines.push(
      `| ${row.point} | ${row.mode} | ${fmt(s.rates.acknowledgedPerSec)} | ${base ? fmt(s.rates.acknowledgedPerSec / base.rates.acknowledgedPerSec, 2) : '—'} | ${fmt(s.latencyMs.fromSchedule.p50, 1)} | ${fmt(p99, 1)} | ${base && p99 !== null && base.latencyMs.fromSchedule.p99 ? fmt(p99 / base.latencyMs.fromSchedule.p99, 2) : '—'} | ${fmt(s.latencyMs.service.p99, 1)} | ${s.generator.bound ? 'yes' : 'no'} | ${fmt(row.lost)} | ${fmt(s.samples.failed + (e?.uncommitted.samples ?? 0))} | ${fmt(row.peakRssMb)} | ${e ? fmt(e.peakBytes) : '—'} | ${e ? fmt(e.waits) : '—'} | ${row.watermark ? `${row.watermark.writes} (${fmt(row.watermark.meanMs, 2)}, ≤ ${fmt(row.watermark.maxAtMostMs, 1)})` : '—'} | ${row.loadAverage.map((l) => l.toFixed(2)).join(' / ')} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = flags();
  const command =
    `pnpm --filter @ingestlab/load-tests bench:end-to-end ${process.argv.slice(2).join(' ')}`.trim();
  const points: Point[] = [
    {
      name: `fleet: ${options.fleetHosts.toLocaleString('en-US')} hosts, a connection each, 1 sample/s`,
      options: {
        hosts: options.fleetHosts,
        intervalMs: 1000,
        batchSize: 1,
        connections: 'per-host',
        connectRate: 2000,
      },
    },
    {
      name: `batched: ${options.batchedRate.toLocaleString('en-US')} samples/s, 64 connections, batch 100`,
      options: {
        hosts: 2000,
        intervalMs: (2000 * 1000) / options.batchedRate,
        batchSize: 100,
        connections: 64,
      },
    },
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-cost-'));
  const systems: System2[] = [];
  const rows: Row[] = [];
  const stop = async () => {
    await Promise.all(systems.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const classic = await startSystem2({ nofile: 65_536 });
    systems.push(classic);
    const endToEnd = await startSystem2({ nofile: 65_536, env: { DATA_DIR: dataDir } });
    systems.push(endToEnd);
    const runs: [Point, Row['mode'], System2, boolean, number?][] = [];
    for (const point of points)
      runs.push([point, 'classic', classic, false], [point, 'end-to-end', endToEnd, true]);
    runs.push([points[1]!, 'end-to-end at the bound', endToEnd, true, options.bound]);
    for (const [point, mode, system, e2e, bound] of runs) {
      process.stderr.write(
        `${point.name}, ${mode}: ${options.durationS} s … (load average ${loadavg()[0]!.toFixed(2)})\n`,
      );
      const result = await measure(system, point, e2e, options.durationS, bound);
      const [one, five] = loadavg();
      rows.push({ point: point.name, mode, ...result, loadAverage: [one!, five!] });
    }
  } finally {
    await stop();
  }
  const markdown = `\`${command}\` — bound of the last run ${options.bound.toLocaleString('en-US')} bytes, ${options.durationS} s per run\n\n${table(rows)}\n`;
  process.stdout.write(`${markdown}\n`);
  const outDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `end-to-end-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ command, options, rows }, null, 2));
  process.stderr.write(`written to ${file}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

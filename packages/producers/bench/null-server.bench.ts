// Benchmark: the generator's own ceiling. Samples/s ONE producer thread gets acknowledged per
// transport by null servers in a child process, at batch 1 and 50, driven far past what it can send
// (so every row is generator-bound by design), as ratios to the rate at which the same thread only
// builds batch bodies, measured in the same run. Run: pnpm --filter @ingestlab/producers bench [-- --seconds 5]
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  SampleEncoder,
  type Target,
  batchBody,
  batchHead,
  createFleet,
  runLoad,
  sampleEnd,
} from '../src/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'), // pnpm passes its '--' through
  options: { seconds: { type: 'string', default: '4' } },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);

/** Samples/s one thread turns into batch bodies the way the load driver does (cached parts, bytes). */
function simulatorRate(batchSize: number): number {
  const fleet = createFleet({ hosts: 10_000, seed: 7, startTime: Date.now() });
  const encoder = new SampleEncoder(fleet, 0, 10_000);
  const head = batchHead('bench');
  const parts: Buffer[] = new Array(batchSize);
  const ends: Buffer[] = new Array(batchSize);
  let samples = 0;
  let host = 0;
  let seq = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let ts = Date.now();
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      const tail = sampleEnd(ts);
      for (let j = 0; j < batchSize; j++) {
        parts[j] = encoder.part(host, ts);
        ends[j] = tail;
        host = host + 1 === 10_000 ? 0 : host + 1;
      }
      batchBody(head, seq++, parts, ends, batchSize);
      samples += batchSize;
    }
    ts += 1;
  }
  return samples / ((performance.now() - start) / 1000);
}

const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const server = spawn(tsx, [fileURLToPath(new URL('./null-server.ts', import.meta.url))], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ports = await new Promise<Record<Target, number>>((resolve, reject) => {
  server.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
  server.once('exit', (code) => reject(new Error(`null server exited with ${code}`)));
});

const urls: Record<Target, string> = {
  http1: `http://127.0.0.1:${ports.http1}`,
  h2c: `http://127.0.0.1:${ports.h2c}`,
  h2: `https://127.0.0.1:${ports.h2}`,
  ws: `ws://127.0.0.1:${ports.ws}`,
};
// HTTP/1.1 carries one request per connection at a time, so it gets many connections; the others multiplex
const connections: Record<Target, number> = { http1: 16, h2c: 2, h2: 2, ws: 2 };

const loadBefore = loadavg()[0] ?? 0;
try {
  const baseline = simulatorRate(50);
  const rows: {
    target: Target;
    batch: number;
    acked: number;
    p50: number | null;
    p99: number | null;
    cpu: number;
    bound: boolean;
  }[] = [];
  const load = (target: Target, batch: number, durationMs: number) =>
    runLoad({
      target,
      url: urls[target],
      insecure: true,
      hosts: 100_000,
      intervalMs: 50,
      batchSize: batch,
      durationMs,
      connections: connections[target],
      workers: 1,
      maxBacklog: 256,
    });
  // warm both processes up (JIT, TLS, connection setup) before anything is measured
  for (const target of ['http1', 'h2c', 'h2', 'ws'] as const) await load(target, 10, 1000);
  for (const batch of [1, 50]) {
    for (const target of ['http1', 'h2c', 'h2', 'ws'] as const) {
      // far more than one process can send: the schedule drops what it cannot release (counted as missed)
      const summary = await load(target, batch, seconds * 1000);
      if (summary.batches.failed + summary.batches.refused > 0)
        throw new Error(`${target}: failures ${JSON.stringify(summary.errors)}`);
      rows.push({
        target,
        batch,
        acked: summary.rates.acknowledgedPerSec,
        p50: summary.latencyMs.service.p50,
        p99: summary.latencyMs.service.p99,
        cpu: summary.generator.cpuPercent,
        bound: summary.generator.bound,
      });
    }
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${seconds} s per run; ` +
      `load average before/after ${loadBefore.toFixed(1)}/${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`baseline: one thread builds ${fmt(baseline)} samples/s of batch bodies (batch 50)`);
  console.log(
    '| target | batch | acked samples/s | ratio to baseline | service p50 ms | service p99 ms | generator CPU | generator-bound |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.target} | ${r.batch} | ${fmt(r.acked)} | ${(r.acked / baseline).toFixed(3)} | ${r.p50 ?? '-'} | ${r.p99 ?? '-'} | ${fmt(r.cpu)} % | ${r.bound ? 'yes' : 'no'} |`,
    );
  }
} finally {
  server.kill('SIGTERM');
}

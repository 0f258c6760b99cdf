// Benchmark: samples/s ONE producer process delivers per transport (acknowledged) against null
// servers in a child process, at batch 1 and 50, as ratios to the simulator's own generation rate
// measured in the same run. Run: pnpm --filter @ingestlab/producers bench [-- --seconds 5]
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Target, createBatchStream, createFleet, runLoad } from '../src/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'), // pnpm passes its '--' through
  options: { seconds: { type: 'string', default: '4' } },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);

function simulatorRate(batchSize: number): number {
  const fleet = createFleet({ hosts: 10_000, seed: 7, startTime: Date.now() });
  const stream = createBatchStream({ fleet, producer: 'bench', batchSize });
  let samples = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let ts = Date.now();
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      stream.next(ts);
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
  const rows: { target: Target; batch: number; acked: number; p50: number | null; p99: number | null }[] = [];
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
      });
    }
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${seconds} s per run; ` +
      `load average before/after ${loadBefore.toFixed(1)}/${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`baseline: simulator generates ${fmt(baseline)} samples/s (batch 50, one thread)`);
  console.log('| target | batch | acked samples/s | ratio to simulator | ack p50 ms | ack p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.target} | ${r.batch} | ${fmt(r.acked)} | ${(r.acked / baseline).toFixed(3)} | ${r.p50 ?? '-'} | ${r.p99 ?? '-'} |`,
    );
  }
} finally {
  server.kill('SIGTERM');
}

// Ingest benchmark: samples/s acked through System 2's real socket path (validation, duplicate
// index, aggregation, acks) against a bare `ws` ack server measured in the same run, for batches
// of 50 and of 1; then memory per idle connection and the lag of published windows.
// Run: pnpm --filter @ingestlab/ws-ingest bench   (options: --seconds 5 --connections 8 --window 64)
import { parseArgs } from 'node:util';
import { startProcess, waitUntil } from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';
import WebSocket from 'ws';
import { scriptArgs } from '@ingestlab/devkit';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '8' },
    window: { type: 'string', default: '64' },
    idle: { type: 'string', default: '5000' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'ingest.bench.ts [--seconds 5] [--connections 8] [--window 64] [--idle 2000]\n' +
      '  --window: batches each connection keeps unacknowledged; --idle: connections for the memory figure\n',
  );
  process.exit(0);
}
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const windowSize = Number(values.window);
const idleConnections = Number(values.idle);
for (const [name, v] of Object.entries({ seconds, connections, window: windowSize, idle: idleConnections })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}

async function startServer(mode: 'app' | 'baseline') {
  const child = startProcess(mode, 'tsx', ['--conditions=source', 'bench/bench-server.ts', mode], {
    cwd: process.cwd(),
  });
  let port = 0;
  await waitUntil(
    () => {
      const match = /PORT (\d+)/.exec(child.output());
      if (match) port = Number(match[1]);
      return port > 0;
    },
    30_000,
    () => `${mode} server (${child.output()})`,
  );
  return { child, port };
}

/** Keeps `windowSize` batches outstanding on each connection for `seconds`; returns acked samples/s. */
async function drive(
  port: number,
  samplesPerBatch: number,
): Promise<{ rate: number; acked: number; sent: number }> {
  const now = Date.now();
  const samples = Array.from({ length: samplesPerBatch }, (_, i) => ({
    host: `web-${i % 500}`,
    ts: now,
    cpu: (i * 7) % 100,
    mem: (i * 13) % 100,
    disk: 40,
    netIn: 1000 + i,
    netOut: 900 + i,
  }));
  // Pre-serialized samples: the generator's cost should not limit the server's figure.
  const body = JSON.stringify(samples);
  let acked = 0;
  let sent = 0;
  let counting = false;
  let countedAcked = 0;
  let stop = false;
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ingest`, { perMessageDeflate: false });
          let seq = 0;
          const producer = `bench-${samplesPerBatch}-${c}-${now}`;
          const sendOne = () => {
            socket.send(`{"producer":"${producer}","seq":${seq++},"samples":${body}}`);
            sent += samplesPerBatch;
          };
          socket.on('message', (data) => {
            const text = String(data);
            if (!text.startsWith('{"type":"ack"')) throw new Error(`unexpected answer: ${text}`);
            acked += samplesPerBatch;
            if (counting) countedAcked += samplesPerBatch;
            if (!stop) sendOne();
          });
          socket.once('open', () => {
            for (let i = 0; i < windowSize; i += 1) sendOne();
            resolve(socket);
          });
          socket.once('error', reject);
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up
  counting = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await waitUntil(
    () => acked === sent,
    30_000,
    () => `all sent samples acked (${acked}/${sent})`,
  );
  for (const socket of sockets) socket.close();
  return { rate: countedAcked / elapsed, acked, sent };
}

/** Heap used and RSS of the server (tsx runs it as a grandchild), from its own /metrics. */
async function memory(port: number): Promise<{ heap: number; rss: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { heap: read('nodejs_heap_size_used_bytes'), rss: read('process_resident_memory_bytes') };
}

async function measureIdle(port: number): Promise<{ rss: number; heap: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = await memory(port);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < idleConnections; i += 100) {
    const slice = await Promise.all(
      Array.from(
        { length: Math.min(100, idleConnections - i) },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`ws://127.0.0.1:${port}/ingest`, { perMessageDeflate: false });
            socket.once('open', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    sockets.push(...slice);
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = await memory(port);
  for (const socket of sockets) socket.terminate();
  return {
    rss: (after.rss - before.rss) / idleConnections,
    heap: (after.heap - before.heap) / idleConnections,
  };
}

/** Steady, fresh-stamped load (100 batches of 50 per second) for 5 s; returns the windows' lagP99s. */
async function measureLag(port: number): Promise<{ lags: number[]; samples: number }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ingest`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const started = Date.now();
  let seq = 0;
  while (Date.now() - started < 5000) {
    const ts = Date.now();
    const samples = Array.from({ length: 50 }, (_, i) => ({
      host: `lag-${i}`,
      ts,
      cpu: i,
      mem: 50,
      disk: 50,
      netIn: 1,
      netOut: 1,
    }));
    socket.send(JSON.stringify({ producer: `lag-${started}`, seq: seq++, samples }));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  socket.close();
  const history = (await (await fetch(`http://127.0.0.1:${port}/api/history?range=1m`)).json()) as {
    windows: { start: number; samples: number; pipeline: { lagP99: number | null } }[];
  };
  const lags = history.windows
    .filter((w) => w.samples > 0 && w.start >= started)
    .map((w) => w.pipeline.lagP99!);
  return { lags, samples: seq * 50 };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: string[] = [];
const results: Record<string, number> = {};
for (const batchSize of [50, 1]) {
  const baseline = await startServer('baseline');
  const base = await drive(baseline.port, batchSize);
  await baseline.child.stop();
  const app = await startServer('app');
  if (batchSize === 1) {
    const idle = await measureIdle(app.port);
    results.idleBytes = idle.rss;
    results.idleHeap = idle.heap;
    const lag = await measureLag(app.port);
    results.lagSamples = lag.samples;
    const lags = lag.lags.sort((a, b) => a - b);
    results.lagP99Max = lags[lags.length - 1]!;
    results.lagP99Median = lags[lags.length >> 1]!;
  }
  const run = await drive(app.port, batchSize);
  const stats = (await (await fetch(`http://127.0.0.1:${app.port}/stats`)).json()) as Stats;
  const expected = run.acked + (batchSize === 1 ? results.lagSamples! : 0);
  const lossless = stats.accepted === expected && stats.aggregated === expected;
  await app.child.stop();
  results[`app${batchSize}`] = run.rate;
  results[`base${batchSize}`] = base.rate;
  rows.push(
    `batch ${String(batchSize).padStart(2)}: ws-ingest ${fmt(run.rate).padStart(11)} samples/s | bare ws ${fmt(base.rate).padStart(11)} samples/s | ratio ${(run.rate / base.rate).toFixed(2)} | zero loss: ${lossless ? 'yes' : `NO (acked ${expected}, stats ${stats.accepted}/${stats.aggregated})`}`,
  );
}
process.stdout.write(
  `ingest.bench (${connections} connections, ${windowSize} batches outstanding each, ${seconds}s measured, generator and server on the same machine)\n` +
    `${rows.join('\n')}\n` +
    `idle ingest connection: ${fmt(results.idleBytes!)} B RSS, ${fmt(results.idleHeap!)} B heap each (${idleConnections} connections)\n` +
    `window lagP99 under steady 5,000 samples/s (sample ts to publication): median ${results.lagP99Median} ms, worst ${results.lagP99Max} ms (window ${1000} ms)\n`,
);

// JSON or MessagePack, measured on System 2: samples/s acked through the real socket path for batches
// of the fleet's shape in each encoding (JSON text frames, or binary frames on `ingestlab.msgpack`),
// alternating fresh servers so drift on a shared machine hits both; the server's CPU per 1,000
// samples/s; the generator's own CPU (so a bound generator shows); bytes on the wire per sample; and,
// from one JSON and one MessagePack viewer of /live during the runs, bytes and decode time per window
// frame (in Node; the dashboard shows the browser's own figure). Also one batch's decode at the
// boundary: JSON.parse + the schema versus the guarded MessagePack reader.
// Run: pnpm --filter @ingestlab/ws-ingest bench:encoding   (options: --seconds 5 --rounds 2 --batch 100)
import { parseArgs } from 'node:util';
import { scriptArgs, startProcess, waitUntil } from '@ingestlab/devkit';
import {
  type Encoding,
  SUBPROTOCOLS,
  type Sample,
  type Stats,
  decodeMsgpack,
  encodeMsgpack,
  parseBatch,
  parseBatchMsgpack,
  readAckMsgpack,
} from '@ingestlab/metric-schema';
import { createFleet } from '@ingestlab/producers';
import WebSocket from 'ws';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    /** Measured seconds per run (after 1 s of warm-up). */
    seconds: { type: 'string', default: '5' },
    /** Runs per encoding, alternating json, msgpack, json, ... */
    rounds: { type: 'string', default: '2' },
    /** Samples per batch. */
    batch: { type: 'string', default: '100' },
    /** Producer connections. */
    connections: { type: 'string', default: '8' },
    /** Batches each connection keeps unacknowledged. */
    window: { type: 'string', default: '32' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'encoding.bench.ts [--seconds 5] [--rounds 2] [--batch 100] [--connections 8] [--window 32]\n' +
      '  System 2 batched ingest in JSON and in MessagePack, alternating; wire bytes per sample;\n' +
      '  bytes and decode time per /live window frame; one batch decoded at the boundary.\n',
  );
  process.exit(0);
}
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const batchSize = Number(values.batch);
const connections = Number(values.connections);
const windowSize = Number(values.window);
for (const [name, v] of Object.entries({
  seconds,
  rounds,
  batch: batchSize,
  connections,
  window: windowSize,
})) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}

/** One batch's samples of the simulated fleet's shape (decimal cpu/mem/disk, byte counters). */
function fleetSamples(count: number, ts: number): Sample[] {
  const fleet = createFleet({ hosts: count, seed: 11, startTime: ts });
  return fleet.samples(
    Array.from({ length: count }, (_, host) => host),
    ts,
  );
}

/** Builds batch bodies from fixed parts around the seq, so the generator stays cheap in both encodings. */
function bodyBuilder(encoding: Encoding, producer: string, samples: Sample[]): (seq: number) => Buffer {
  if (encoding === 'json') {
    const head = Buffer.from(`{"producer":"${producer}","seq":`);
    const tail = Buffer.from(`,"samples":${JSON.stringify(samples)}}`);
    return (seq) => Buffer.concat([head, Buffer.from(String(seq)), tail]);
  }
  const head = Buffer.from(encodeMsgpack({ producer, seq: 0 }));
  head[0] = 0x83; // three entries: producer, seq, samples
  const tail = Buffer.from(encodeMsgpack({ samples })).subarray(1);
  const headPart = head.subarray(0, head.length - 1);
  return (seq) => Buffer.concat([headPart, encodeMsgpack(seq), tail]);
}

async function startApp() {
  const child = startProcess('app', 'tsx', ['--conditions=source', 'bench/bench-server.ts', 'app'], {
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
    () => `app server (${child.output()})`,
  );
  return { child, port };
}

async function serverCpuSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(text)?.[1] ?? Number.NaN);
}

interface Run {
  encoding: Encoding;
  rate: number;
  serverCpuPer1k: number;
  generatorCpuPercent: number;
  wirePerSample: number;
  lossless: boolean;
}

/** Live window frames collected by the two viewers, across runs. */
const liveFrames = { json: [] as string[], msgpack: [] as Buffer[] };

function watchLive(port: number): WebSocket[] {
  const json = new WebSocket(`ws://127.0.0.1:${port}/live`);
  json.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"window"')) liveFrames.json.push(text);
  });
  const binary = new WebSocket(`ws://127.0.0.1:${port}/live`, [SUBPROTOCOLS.msgpack]);
  binary.on('message', (data) => {
    const bytes = data as Buffer;
    const frame = decodeMsgpack(bytes);
    if (frame.ok && (frame.value as { type?: string }).type === 'window') liveFrames.msgpack.push(bytes);
  });
  return [json, binary];
}

/** Keeps `windowSize` batches outstanding on each connection; acked samples/s over the measured time. */
async function drive(encoding: Encoding): Promise<Run> {
  const app = await startApp();
  const viewers = watchLive(app.port);
  const now = Date.now();
  const samples = fleetSamples(batchSize, now);
  let acked = 0;
  let sent = 0;
  let counting = false;
  let countedAcked = 0;
  let stop = false;
  let wireBytes = 0;
  let wireSamples = 0;
  const msgpack = encoding === 'msgpack';
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(
            `ws://127.0.0.1:${app.port}/ingest`,
            msgpack ? [SUBPROTOCOLS.msgpack] : [],
            {
              perMessageDeflate: false,
            },
          );
          const body = bodyBuilder(encoding, `bench-${encoding}-${c}-${now}`, samples);
          let seq = 0;
          const sendOne = () => {
            const bytes = body(seq++);
            // payload + client frame header (2 or 4 length bytes + 4 mask bytes; 10 beyond 64 KiB)
            if (counting) {
              wireBytes += bytes.length + (bytes.length < 126 ? 6 : bytes.length < 65_536 ? 8 : 14);
              wireSamples += batchSize;
            }
            socket.send(bytes, { binary: msgpack });
            sent += batchSize;
          };
          socket.on('message', (data, isBinary) => {
            const ok = isBinary
              ? readAckMsgpack(data as Buffer) !== undefined
              : String(data).startsWith('{"type":"ack"');
            if (!ok) throw new Error(`unexpected answer: ${String(data)}`);
            acked += batchSize;
            if (counting) countedAcked += batchSize;
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
  const cpu0 = await serverCpuSeconds(app.port);
  const gen0 = process.cpuUsage();
  counting = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const cpu1 = await serverCpuSeconds(app.port);
  stop = true;
  await waitUntil(
    () => acked === sent,
    30_000,
    () => `all sent samples acked (${acked}/${sent})`,
  );
  for (const socket of sockets) socket.close();
  const stats = (await (await fetch(`http://127.0.0.1:${app.port}/stats`)).json()) as Stats;
  for (const viewer of viewers) viewer.close();
  await app.child.stop();
  const rate = countedAcked / elapsed;
  return {
    encoding,
    rate,
    serverCpuPer1k: (((cpu1 - cpu0) / elapsed) * 100) / (rate / 1000),
    generatorCpuPercent: ((gen.user + gen.system) / 1e6 / elapsed) * 100,
    wirePerSample: wireBytes / wireSamples,
    lossless: stats.accepted === acked && stats.aggregated === acked,
  };
}

/** Median time of one call of `fn` over `reps` calls (after a warm-up), microseconds. */
function timeEach(reps: number, fn: () => unknown): number {
  for (let i = 0; i < reps; i += 1) fn();
  const times: number[] = [];
  for (let round = 0; round < 7; round += 1) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i += 1) fn();
    times.push(((performance.now() - t0) * 1000) / reps);
  }
  return times.sort((a, b) => a - b)[3]!;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const runs: Run[] = [];
for (let round = 0; round < rounds; round += 1) {
  for (const encoding of ['json', 'msgpack'] as const) {
    const run = await drive(encoding);
    runs.push(run);
    process.stdout.write(
      `  run ${round + 1} ${encoding.padEnd(7)} ${fmt(run.rate).padStart(11)} samples/s acked, server CPU ${run.serverCpuPer1k.toFixed(2)} %/1k samples/s, generator CPU ${run.generatorCpuPercent.toFixed(0)} %, lossless ${run.lossless ? 'yes' : 'NO'}\n`,
    );
  }
}
const of = (encoding: Encoding) => runs.filter((r) => r.encoding === encoding);
const rate = (encoding: Encoding) => median(of(encoding).map((r) => r.rate));
const ratios = runs.filter((r) => r.encoding === 'msgpack').map((r, i) => r.rate / of('json')[i]!.rate);

const now = Date.now();
const oneBatch = { producer: 'bench-decode', seq: 12345, samples: fleetSamples(batchSize, now) };
const jsonText = JSON.stringify(oneBatch);
const msgpackBytes = encodeMsgpack(oneBatch);
const decodeJson = timeEach(2000, () => parseBatch(jsonText));
const decodeMsgpack_ = timeEach(2000, () => parseBatchMsgpack(msgpackBytes));

const frameJson = liveFrames.json.at(-2) ?? liveFrames.json.at(-1);
const frameMsgpack = liveFrames.msgpack.at(-2) ?? liveFrames.msgpack.at(-1);
const frameLine =
  frameJson && frameMsgpack
    ? `window frame: JSON ${fmt(Buffer.byteLength(frameJson))} B, JSON.parse ${timeEach(2000, () => JSON.parse(frameJson)).toFixed(1)} µs | MessagePack ${fmt(frameMsgpack.length)} B, guarded decode ${timeEach(2000, () => decodeMsgpack(frameMsgpack)).toFixed(1)} µs (frames seen: ${liveFrames.json.length} JSON, ${liveFrames.msgpack.length} MessagePack; Node, not the browser)`
    : 'window frame: none received (runs too short?)';

const bound = runs.some((r) => r.generatorCpuPercent > 80);
process.stdout.write(
  `encoding.bench (System 2, ${connections} connections, ${windowSize} batches of ${batchSize} outstanding each, ${seconds} s measured, ${rounds} round(s), generator and server on the same machine)\n` +
    `| encoding | samples/s acked (median) | server CPU per 1k samples/s | wire bytes per sample | generator CPU |\n` +
    `| --- | ---: | ---: | ---: | ---: |\n` +
    (['json', 'msgpack'] as const)
      .map(
        (e) =>
          `| ${e} | ${fmt(rate(e))} | ${median(of(e).map((r) => r.serverCpuPer1k)).toFixed(2)} % | ${median(of(e).map((r) => r.wirePerSample)).toFixed(1)} | ${fmt(median(of(e).map((r) => r.generatorCpuPercent)))} % |`,
      )
      .join('\n') +
    `\nMessagePack / JSON throughput: ${ratios.map((r) => r.toFixed(2)).join(', ')} (per round), median ${median(ratios).toFixed(2)}\n` +
    `one ${batchSize}-sample batch at the boundary: JSON ${fmt(jsonText.length)} B, JSON.parse + schema ${decodeJson.toFixed(1)} µs | MessagePack ${fmt(msgpackBytes.length)} B, guarded read ${decodeMsgpack_.toFixed(1)} µs\n` +
    `${frameLine}\n` +
    `generator: ${bound ? 'BOUND in some run (over 80 % of a core): the figure is the generator, not the server' : 'not bound (under 80 % of a core in every run)'}; lossless in every run: ${runs.every((r) => r.lossless) ? 'yes' : 'NO'}\n`,
);

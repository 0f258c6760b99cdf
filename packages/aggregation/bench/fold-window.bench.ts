// Microbenchmark: samples per second folded into a window aggregate, against a baseline loop that
// only reads the same fields, measured in the same run so the figure reads as a ratio.
// Run: pnpm --filter @ingestlab/aggregation bench
import type { Sample } from '@ingestlab/metric-schema';
import { WindowAggregate } from '../src/index.js';

const SAMPLES = 200_000;
const ROUNDS = 7;
const HOSTS = 10_000;

function makeSamples(): Sample[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: SAMPLES }, (_, i) => ({
    host: `web-${String(i % HOSTS).padStart(5, '0')}`,
    ts: 1_763_830_000_000 + Math.floor(random() * 1000),
    cpu: random() * 100,
    mem: 30 + random() * 50,
    disk: 40 + random() * 10,
    netIn: random() * 2e6,
    netOut: random() * 1e6,
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rate(run: () => void): number {
  const rates: number[] = [];
  run(); // warm-up: let the JIT settle before measuring
  for (let round = 0; round < ROUNDS; round += 1) {
    const started = process.hrtime.bigint();
    run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(SAMPLES / seconds);
  }
  return median(rates);
}

const samples = makeSamples();
let sink = 0;
const baseline = rate(() => {
  for (const s of samples) sink += s.cpu + s.mem + s.disk + s.netIn + s.netOut + s.ts + s.host.length;
});
const fold = rate(() => {
  const aggregate = new WindowAggregate(1_763_830_000_000, 1000);
  for (const s of samples) aggregate.add(s);
  sink += aggregate.samples;
});
const foldAndClose = rate(() => {
  const aggregate = new WindowAggregate(1_763_830_000_000, 1000);
  for (const s of samples) aggregate.add(s);
  sink += aggregate.close({ publishedAt: 1_763_830_001_000 }).samples;
});

const fmt = (n: number) => `${(n / 1e6).toFixed(2)} M samples/s`;
console.log(
  `fold ${SAMPLES} samples from ${HOSTS} hosts, median of ${ROUNDS} rounds (node ${process.version})`,
);
console.log(`baseline (read the fields only): ${fmt(baseline)}`);
console.log(`fold into a window:              ${fmt(fold)}  (${(fold / baseline).toFixed(3)} of baseline)`);
console.log(
  `fold and close (quantiles, top): ${fmt(foldAndClose)}  (${(foldAndClose / baseline).toFixed(3)} of baseline)`,
);
if (sink === -1) console.log(sink);

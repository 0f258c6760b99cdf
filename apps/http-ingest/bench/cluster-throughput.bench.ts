// System 1's throughput on one Redis and on a 3-master Redis Cluster (a replica each), on this
// machine, with the same offered load: `pnpm --filter @ingestlab/http-ingest bench:cluster`. Each
// topology runs from built code (1 ingest replica, 2 workers) and the project's producers (pooled
// HTTP/1.1 connections); it reports acknowledged samples/s, what the workers aggregated per second
// (drain included), ack p99, and the load average before and after. Everything shares the two cores.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { answers, ChildGroup, freePort, startRedis, startRedisCluster, waitUntil } from '@ingestlab/devkit';

const HELP = `Usage: pnpm --filter @ingestlab/http-ingest bench:cluster [-- options]
Runs System 1 on one Redis, then on a Redis Cluster of --masters masters (a replica each), under the
same offered load, and prints both and their ratio. Needs \`pnpm build\` first.
  --masters <n>      cluster masters                           (default 3)
  --hosts <n>        simulated hosts                           (default 2000)
  --rate <r>         samples per host                          (default 10/s)
  --batch <n>        samples per batch                         (default 10)
  --connections <n>  pooled producer connections               (default 64)
  --duration <d>     sending time per topology                 (default 20s)
  -h, --help         this text`;

const { values } = parseArgs({
  options: {
    masters: { type: 'string', default: '3' },
    hosts: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '10/s' },
    batch: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '20s' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  args: process.argv.slice(2).filter((a) => a !== '--'),
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const APP = join(import.meta.dirname, '..');
const PRODUCERS = join(APP, '..', '..', 'packages', 'producers', 'dist', 'cli.js');

interface Result {
  topology: string;
  ackedPerSec: number;
  aggregatedPerSec: number;
  ackP99: number;
  accepted: number;
  drainMs: number;
  generatorBound: boolean;
  load: string;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function run(topology: string, redisEnv: Record<string, string>, group: ChildGroup): Promise<Result> {
  const loadBefore = load();
  const port = await freePort();
  const env = {
    ...process.env,
    ...redisEnv,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
    HTTP_PORT: String(port),
    H2C_PORT: String(await freePort()),
    HTTPS_PORT: String(await freePort()),
  };
  group.start(`${topology}-ingest`, process.execPath, ['dist/server.js'], { cwd: APP, env });
  for (let i = 0; i < 2; i += 1) {
    group.start(`${topology}-worker-${i + 1}`, process.execPath, ['dist/worker.js'], { cwd: APP, env });
  }
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    () => answers(`${url}/readyz`),
    60_000,
    () => `${topology} ready`,
    {
      intervalMs: 100,
      abort: () => group.died(),
    },
  );
  const started = Date.now();
  const args = [
    PRODUCERS,
    '--target',
    'http1',
    '--url',
    url,
    '--hosts',
    values.hosts!,
    '--rate',
    values.rate!,
    '--batch',
    values.batch!,
    '--connections',
    values.connections!,
    '--duration',
    values.duration!,
    '--incidents',
    'none',
    '--json',
    '--quiet',
  ];
  const summary = await new Promise<{
    samples: { acknowledged: number };
    rates: { acknowledgedPerSec: number };
    latencyMs: { fromSchedule: { p99: number } };
    generator: { bound: boolean };
  }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch (error) {
        reject(new Error(`producers printed no summary: ${out.slice(-500)} ${error}`));
      }
    });
  });
  const sentFor = Date.now() - started;
  let accepted = 0;
  await waitUntil(
    async () => {
      const stats = (await (await fetch(`${url}/stats`)).json()) as { accepted: number; aggregated: number };
      accepted = stats.accepted;
      return stats.aggregated === stats.accepted;
    },
    300_000,
    () => `${topology} drain`,
    { intervalMs: 100 },
  );
  const drainMs = Date.now() - started - sentFor;
  const result: Result = {
    topology,
    ackedPerSec: Math.round(summary.rates.acknowledgedPerSec),
    aggregatedPerSec: Math.round(accepted / ((Date.now() - started) / 1000)),
    ackP99: Math.round(summary.latencyMs.fromSchedule.p99),
    accepted,
    drainMs,
    generatorBound:
      JSON.stringify(summary.generator).includes('GENERATOR-BOUND') || summary.generator.bound === true,
    load: `${loadBefore} -> ${load()}`,
  };
  console.log(JSON.stringify(result));
  return result;
}

const results: Result[] = [];
let current: ChildGroup | null = null;
// Ctrl-C or SIGTERM: stop the topology running now (Redis or cluster nodes, ingest, workers), then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
for (const topology of ['redis-1', `cluster-${values.masters}`]) {
  const group = new ChildGroup({ graceMs: 5000 });
  current = group;
  try {
    if (topology === 'redis-1') {
      const redis = await startRedis();
      group.add(redis.process, { stop: () => redis.stop() });
      results.push(await run(topology, { REDIS_URL: redis.url }, group));
    } else {
      const cluster = await startRedisCluster({ masters: Number(values.masters), replicasPerMaster: 1 });
      for (const server of cluster.servers) group.add(server.process, { stop: () => server.stop() });
      results.push(await run(topology, { REDIS_CLUSTER_NODES: cluster.nodesSetting }, group));
    }
  } finally {
    await group.stop();
  }
}
const [one, many] = results as [Result, Result];
console.log(
  `\nSystem 1, offered ${values.hosts} hosts x ${values.rate} in batches of ${values.batch} for ${values.duration}:\n` +
    results
      .map(
        (r) =>
          `  ${r.topology.padEnd(10)} acked ${r.ackedPerSec} samples/s, aggregated ${r.aggregatedPerSec}/s (drain ${r.drainMs} ms), ack p99 ${r.ackP99} ms${r.generatorBound ? ' GENERATOR-BOUND' : ''}, load ${r.load}`,
      )
      .join('\n') +
    `\n  ratio ${many.topology}/${one.topology}: acked ${(many.ackedPerSec / one.ackedPerSec).toFixed(2)}, aggregated ${(many.aggregatedPerSec / one.aggregatedPerSec).toFixed(2)}`,
);

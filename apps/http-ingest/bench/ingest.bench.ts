// System 1 ingest benchmark (not a test): max sustained accept rate with batches of 1 and 50 over
// HTTP/1.1 and h2c, p50/p99 accept latency, the ratio to a bare node:http(2) server answering 202 in
// the same run, group commit on vs off, and a zero-loss check (acked = accepted = aggregated) after
// each system run. Usage: pnpm --filter @ingestlab/http-ingest bench [-- --seconds 5 --concurrency 64]
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  type ManagedProcess,
  startProcess,
  startRedis,
  waitForPort,
  waitUntil,
} from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';
import { type LoadResult, percentile, runClosedLoop } from './load-generator.js';
import { scriptArgs } from '@ingestlab/devkit';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: tsx --conditions=source bench/ingest.bench.ts [--seconds 5] [--concurrency 64] [--only <name substring>]
Starts a private Redis, then for each scenario a bare baseline server or System 1 (server + one worker,
as child processes) and drives it with a closed-loop generator. Prints a table (JSON with --only too).`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const appDir = join(import.meta.dirname, '..');
const tsxArgs = ['--import', 'tsx', '--conditions=source'];

interface Scenario {
  name: string;
  protocol: 'http1' | 'h2c';
  batchSize: number;
  kind: 'bare' | 'system';
  env?: Record<string, string>;
}

const scenarios: Scenario[] = [];
for (const batchSize of [1, 50]) {
  for (const protocol of ['http1', 'h2c'] as const) {
    scenarios.push({ name: `bare ${protocol} b${batchSize}`, protocol, batchSize, kind: 'bare' });
    scenarios.push({
      name: `system ${protocol} b${batchSize} group-commit`,
      protocol,
      batchSize,
      kind: 'system',
    });
    if (batchSize === 1) {
      scenarios.push({
        name: `system ${protocol} b1 one-commit-per-request`,
        protocol,
        batchSize,
        kind: 'system',
        env: { GROUP_COMMIT_MS: '0' },
      });
    }
  }
}
scenarios.push({
  name: 'system http1 b1 group-commit + redis rate limit',
  protocol: 'http1',
  batchSize: 1,
  kind: 'system',
  env: { RATE_LIMIT_MAX: '1000000' },
});

interface Row {
  name: string;
  reqPerSec: number;
  samplesPerSec: number;
  p50: number;
  p99: number;
  refused: number;
  errors: number;
  ratioToBare?: number;
  zeroLoss?: string;
}

async function stats(url: string): Promise<Stats> {
  return (await fetch(`${url}/stats`).then((r) => r.json())) as Stats;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const rows: Row[] = [];
  const bare = new Map<string, number>();
  let run = 0;
  try {
    for (const scenario of scenarios) {
      if (values.only && !scenario.name.includes(values.only)) continue;
      run += 1;
      const processes: ManagedProcess[] = [];
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      let statsUrl = '';
      try {
        if (scenario.kind === 'bare') {
          processes.push(
            startProcess(
              'bare',
              process.execPath,
              [...tsxArgs, 'bench/bare-server.ts', scenario.protocol, String(port)],
              { cwd: appDir },
            ),
          );
        } else {
          const httpPort = scenario.protocol === 'http1' ? port : await freePort();
          const env = {
            ...process.env,
            REDIS_URL: redis.url,
            KEY_PREFIX: `bench-${run}`,
            HTTP_PORT: String(httpPort),
            H2C_PORT: String(scenario.protocol === 'h2c' ? port : await freePort()),
            HTTPS_PORT: String(await freePort()),
            CERT_DIR: '/tmp/ingestlab-bench-certs',
            LOG_LEVEL: 'warn',
            RATE_LIMIT_MAX: '0',
            QUEUE_MAX_DEPTH: '10000000',
            ...scenario.env,
          };
          statsUrl = `http://127.0.0.1:${httpPort}`;
          processes.push(
            startProcess('server', process.execPath, [...tsxArgs, 'src/server.ts'], { cwd: appDir, env }),
          );
          processes.push(
            startProcess('worker', process.execPath, [...tsxArgs, 'src/worker.ts'], { cwd: appDir, env }),
          );
        }
        await waitForPort(port, '127.0.0.1', 30_000);
        if (statsUrl)
          await waitUntil(
            async () => (await fetch(`${statsUrl}/readyz`)).ok,
            20_000,
            () => 'system ready',
          );
        const spec = { url, protocol: scenario.protocol, batchSize: scenario.batchSize, concurrency };
        // Warm up (JIT, connections, Redis scripts), then measure.
        const warm = await runClosedLoop({ ...spec, durationMs: 1000, producerPrefix: `warm${run}` });
        const result: LoadResult = await runClosedLoop({
          ...spec,
          durationMs: seconds * 1000,
          producerPrefix: `m${run}`,
        });
        const sorted = result.latenciesMs.sort((a, b) => a - b);
        const row: Row = {
          name: scenario.name,
          reqPerSec: Math.round((result.acked / result.elapsedMs) * 1000),
          samplesPerSec: Math.round((result.ackedSamples / result.elapsedMs) * 1000),
          p50: Number(percentile(sorted, 0.5).toFixed(2)),
          p99: Number(percentile(sorted, 0.99).toFixed(2)),
          refused: result.refused,
          errors: result.errors,
        };
        const key = `${scenario.protocol} b${scenario.batchSize}`;
        if (scenario.kind === 'bare') bare.set(key, row.reqPerSec);
        else {
          const base = bare.get(key);
          if (base) row.ratioToBare = Number((row.reqPerSec / base).toFixed(2));
          const acked = warm.ackedSamples + result.ackedSamples;
          try {
            await waitUntil(
              async () => {
                const s = await stats(statsUrl);
                return s.queueDepth === 0 && s.aggregated === s.accepted;
              },
              120_000,
              () => 'drain',
              200,
            );
            const s = await stats(statsUrl);
            row.zeroLoss =
              s.accepted === acked && s.aggregated === acked
                ? `yes (${acked})`
                : `NO: acked ${acked}, accepted ${s.accepted}, aggregated ${s.aggregated}`;
          } catch (error) {
            row.zeroLoss = `not drained: ${(error as Error).message}`;
          }
        }
        rows.push(row);
        console.log(JSON.stringify(row));
      } finally {
        await Promise.all(processes.map((p) => p.stop(5000)));
      }
    }
  } finally {
    await redis.stop();
  }
  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${seconds} s per run, ${concurrency} requests in flight`,
  );
  console.log('| scenario | req/s | samples/s | p50 ms | p99 ms | ratio to bare | refused | zero loss |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.reqPerSec} | ${r.samplesPerSec} | ${r.p50} | ${r.p99} | ${r.ratioToBare ?? '—'} | ${r.refused + r.errors} | ${r.zeroLoss ?? '—'} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// System 1 ingest benchmark (not a test): max sustained accept rate with batches of 1 and 50 over
// HTTP/1.1 and h2c, p50/p99 accept latency, the ratio to a bare node:http(2) server answering 202 in
// the same run, the server's and worker's CPU time per request (steadier than a rate on a shared
// machine), group commit on vs off, and a zero-loss check (acked = accepted = aggregated) after each
// system run; `--cpu-prof` profiles the servers and says where their time goes, by package.
// Usage: pnpm --filter @ingestlab/http-ingest bench [-- --seconds 5 --concurrency 64 --only 'http1 b1' --cpu-prof]
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
import { scriptArgs } from '@ingestlab/devkit';
import { summariseProfile } from '@ingestlab/load-tests/cpu-profile';
import { type LoadResult, percentile, runClosedLoop } from './load-generator.js';
import { cpuSecondsOf } from './process-cpu.js';
import { cutProfile, profileClockNow } from './profile-window.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: tsx --conditions=source bench/ingest.bench.ts [--seconds 5] [--concurrency 64] [--only <name substring>] [--cpu-prof]
Starts a private Redis, then for each scenario a bare baseline server or System 1 (server + one worker,
as child processes) and drives it with a closed-loop generator. Prints one JSON line per scenario as it
ends, then a table. CPU µs/req is the server's (and the worker's) CPU time over the measured seconds
divided by the requests answered in them.
  --cpu-prof  run each server under node --cpu-prof and print where its time went (by package and by
              function, from load-tests' profile summariser); the profiles stay in a temp directory.`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const appDir = join(import.meta.dirname, '..');
const repoRoot = join(appDir, '..', '..');
const tsxArgs = ['--import', 'tsx', '--conditions=source'];
const profileDir = values['cpu-prof'] ? join(tmpdir(), `ingestlab-bench-prof-${Date.now()}`) : null;

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
  /** CPU time per request answered in the measured seconds, microseconds. */
  serverCpuUsPerReq: number | null;
  workerCpuUsPerReq?: number | null;
  redisCpuUsPerReq?: number | null;
  /** This process: the load generator (and the bench's own bookkeeping). */
  generatorCpuUsPerReq: number | null;
  /** Mean batches per group commit over the measured seconds. */
  batchesPerGroup?: number;
  zeroLoss?: string;
}

/** CPU microseconds per request between two readings, or null when a reading is missing. */
function usPerRequest(before: number | null, after: number | null, requests: number): number | null {
  if (before === null || after === null || requests === 0) return null;
  return Math.round(((after - before) * 1e6) / requests);
}

/** Prints where a profiled server spent its measured seconds: by package, then the busiest functions. */
function printProfile(scenario: string, pid: number, span: { from: number; to: number }): void {
  if (!profileDir) return;
  const file = readdirSync(profileDir).find((f) => new RegExp(`\\.${pid}\\.0\\.\\d+\\.cpuprofile$`).test(f));
  if (!file) {
    console.log(`(no profile written for ${scenario}, pid ${pid})`);
    return;
  }
  const measured = join(profileDir, file.replace(/\.cpuprofile$/, '.measured.cpuprofile'));
  cutProfile(join(profileDir, file), measured, span.from, span.to);
  const summary = summariseProfile(measured, scenario, repoRoot, 15);
  console.log(
    `\nprofile of ${scenario}, measured seconds only: ${measured} (busy ${summary.busyMs} of ${summary.totalMs} ms)`,
  );
  for (const m of summary.modules) console.log(`  ${String(m.selfPercent).padStart(5)} %  ${m.module}`);
  console.log('  busiest functions (self time):');
  for (const f of summary.top)
    console.log(`  ${String(f.selfPercent).padStart(5)} %  ${f.name}  ${f.location}`);
}

/** Group commits written so far and the batches in them, from the server's /metrics. */
async function groupCommits(url: string): Promise<{ commits: number; batches: number }> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { commits: read('ingest_group_commits_total'), batches: read('ingest_group_commit_batches_total') };
}

async function stats(url: string): Promise<Stats> {
  return (await fetch(`${url}/stats`).then((r) => r.json())) as Stats;
}

async function main(): Promise<void> {
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const redis = await startRedis();
  const rows: Row[] = [];
  const bare = new Map<string, number>();
  let run = 0;
  try {
    for (const scenario of scenarios) {
      if (values.only && !scenario.name.includes(values.only)) continue;
      run += 1;
      const processes: ManagedProcess[] = [];
      let server: ManagedProcess | undefined;
      let worker: ManagedProcess | undefined;
      const span = { from: 0, to: 0 };
      const profileArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      let statsUrl = '';
      try {
        if (scenario.kind === 'bare') {
          server = startProcess(
            'bare',
            process.execPath,
            [...profileArgs, ...tsxArgs, 'bench/bare-server.ts', scenario.protocol, String(port)],
            { cwd: appDir },
          );
          processes.push(server);
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
          server = startProcess('server', process.execPath, [...profileArgs, ...tsxArgs, 'src/server.ts'], {
            cwd: appDir,
            env,
          });
          worker = startProcess('worker', process.execPath, [...tsxArgs, 'src/worker.ts'], {
            cwd: appDir,
            env,
          });
          processes.push(server, worker);
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
        const readCpu = () => ({
          server: cpuSecondsOf(server?.child.pid),
          worker: cpuSecondsOf(worker?.child.pid),
          redis: cpuSecondsOf(redis.process.child.pid),
          generator: cpuSecondsOf(process.pid),
        });
        const groupsBefore = statsUrl ? await groupCommits(statsUrl) : null;
        const cpuBefore = readCpu();
        span.from = profileClockNow();
        const result: LoadResult = await runClosedLoop({
          ...spec,
          durationMs: seconds * 1000,
          producerPrefix: `m${run}`,
        });
        span.to = profileClockNow();
        const cpuAfter = readCpu();
        const groupsAfter = statsUrl ? await groupCommits(statsUrl) : null;
        const sorted = result.latenciesMs.sort((a, b) => a - b);
        const row: Row = {
          name: scenario.name,
          reqPerSec: Math.round((result.acked / result.elapsedMs) * 1000),
          samplesPerSec: Math.round((result.ackedSamples / result.elapsedMs) * 1000),
          p50: Number(percentile(sorted, 0.5).toFixed(2)),
          p99: Number(percentile(sorted, 0.99).toFixed(2)),
          refused: result.refused,
          errors: result.errors,
          serverCpuUsPerReq: usPerRequest(cpuBefore.server, cpuAfter.server, result.acked),
          generatorCpuUsPerReq: usPerRequest(cpuBefore.generator, cpuAfter.generator, result.acked),
        };
        if (worker) {
          row.workerCpuUsPerReq = usPerRequest(cpuBefore.worker, cpuAfter.worker, result.acked);
          row.redisCpuUsPerReq = usPerRequest(cpuBefore.redis, cpuAfter.redis, result.acked);
          if (groupsBefore && groupsAfter && groupsAfter.commits > groupsBefore.commits) {
            row.batchesPerGroup = Number(
              (
                (groupsAfter.batches - groupsBefore.batches) /
                (groupsAfter.commits - groupsBefore.commits)
              ).toFixed(1),
            );
          }
        }
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
      if (server?.child.pid !== undefined) printProfile(scenario.name, server.child.pid, span);
    }
  } finally {
    await redis.stop();
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${seconds} s per run, ${concurrency} requests in flight; load average at the end ${load}`,
  );
  console.log(
    '| scenario | req/s | samples/s | p50 ms | p99 ms | ratio to bare | CPU µs/req: server | worker | Redis | generator | batches per group | refused | zero loss |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.reqPerSec} | ${r.samplesPerSec} | ${r.p50} | ${r.p99} | ${r.ratioToBare ?? '—'} | ${r.serverCpuUsPerReq ?? '—'} | ${r.workerCpuUsPerReq ?? '—'} | ${r.redisCpuUsPerReq ?? '—'} | ${r.generatorCpuUsPerReq ?? '—'} | ${r.batchesPerGroup ?? '—'} | ${r.refused + r.errors} | ${r.zeroLoss ?? '—'} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

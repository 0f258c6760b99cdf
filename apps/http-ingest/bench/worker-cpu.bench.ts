// Fold worker benchmark (not a test): the worker's CPU per 10,000 samples/s at a steady, paced load,
// as a 10,000-server fleet reporting once a second makes it. The ingest side is replaced by group
// commits written straight into Redis (the same transaction the server writes), so the generator costs
// little and only the worker process (and Redis) is measured. Zero loss is checked at the end.
// Usage: pnpm --filter @ingestlab/http-ingest bench:worker [-- --seconds 20 --rate 10000 --group 20]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  type ManagedProcess,
  scriptArgs,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createServices } from '../src/services.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    rate: { type: 'string', default: '10000' },
    hosts: { type: 'string', default: '10000' },
    group: { type: 'string', default: '20' },
    profile: { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: tsx --conditions=source bench/worker-cpu.bench.ts [--seconds 20] [--warmup 5] [--rate 10000] [--hosts 10000] [--group 20]
Starts a private Redis and one fold worker (src/worker.ts, child process, default settings), then admits
single-sample batches at --rate samples/s from --hosts producers (one per host, each sending its own seq
once every hosts/rate seconds), --group batches per group commit (20 is what 10,000 req/s make with
GROUP_COMMIT_MS=2). After --warmup seconds it measures the worker's and Redis's CPU for --seconds, then
stops, waits for the queue to drain and checks accepted = aggregated. Worker settings come from the
environment (e.g. FOLD_BULK_JOBS=1 to compare). --profile DIR writes the worker's CPU profile there
(node --cpu-prof; summarise with load-tests/src/report/cpu-profile.ts). --node-arg FLAG (repeatable)
passes a flag to the worker's node (e.g. --node-arg=--single-threaded-gc).`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const rate = Number(values.rate);
const hosts = Number(values.hosts);
const groupSize = Number(values.group);
const appDir = join(import.meta.dirname, '..');

/** user + system CPU seconds of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const redis = await startRedis();
const workerPort = await freePort();
const prefix = `bench-${Date.now()}`;
// A generous command timeout: on a loaded machine a slow reply should not end the run.
const env = {
  REDIS_COMMAND_TIMEOUT_MS: '30000',
  ...process.env,
  REDIS_URL: redis.url,
  KEY_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  WORKER_PORT: String(workerPort),
};

/** A counter from the worker's /metrics (0 when it has none, as today's worker has no bulks). */
async function workerCounter(name: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
    return sum;
  } catch {
    return 0;
  }
}
const config = loadConfig(env);
// The ingest side's services without listeners or a publisher: only its queue is used.
const services = createServices(config, pino({ level: 'silent' }), { publish: false, defaultMetrics: false });
let worker: ManagedProcess | null = null;
try {
  await waitUntil(
    () => services.redis.status === 'ready',
    10_000,
    () => 'redis',
  );
  worker = startProcess(
    'worker',
    process.execPath,
    [
      ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
      ...(values['node-arg'] ?? []),
      '--import',
      'tsx',
      '--conditions=source',
      join(appDir, 'src/worker.ts'),
    ],
    { cwd: appDir, env },
  );
  const workerPid = worker.child.pid!;
  const redisPid = redis.process.child.pid!;
  const seqs = new Uint32Array(hosts);
  let nextHost = 0;
  let acked = 0;
  let inFlight = 0;
  let failed: unknown = null;
  const commitsPerMs = rate / groupSize / 1000;
  const startedAt = performance.now();
  let committed = 0;
  let running = true;
  const commitOne = () => {
    const batches = [];
    const now = Date.now();
    for (let i = 0; i < groupSize; i += 1) {
      const h = nextHost;
      nextHost = (nextHost + 1) % hosts;
      const host = `host-${String(h).padStart(5, '0')}`;
      const seq = seqs[h]!;
      seqs[h] = seq + 1;
      const cpu = (h * 7 + seq) % 100;
      const json = `{"producer":"${host}","seq":${seq},"samples":[{"host":"${host}","ts":${now},"cpu":${cpu},"mem":${(h * 13) % 100},"disk":${(h * 3) % 100},"netIn":${1000 + h},"netOut":${500 + seq}}]}`;
      batches.push({ producer: host, seq, samples: 1, json });
    }
    inFlight += 1;
    services.queue.commit(batches).then(
      (results) => {
        inFlight -= 1;
        for (const r of results) if (r > 0) acked += r;
      },
      (error: unknown) => {
        inFlight -= 1;
        failed = error;
      },
    );
  };
  const pacer = (async () => {
    while (running && !failed) {
      const due = Math.floor((performance.now() - startedAt) * commitsPerMs);
      while (committed < due && inFlight < 256) {
        commitOne();
        committed += 1;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();

  const aggregated = async () => Number((await services.redis.get(services.keys.aggregated)) ?? 0);
  await new Promise((r) => setTimeout(r, warmup * 1000));
  // Measure the steady state: the worker has caught up with what piled up while it started (a worker
  // that cannot keep up is measured anyway after 30 s, and the backlog is reported).
  const backlog = async () => Number(await services.redis.get(services.keys.pending));
  await waitUntil(
    async () => (await backlog()) < rate / 5,
    30_000,
    () => 'the worker to catch up after its start',
  ).catch(() => {});
  const backlogBefore = await backlog();
  const before = {
    bulks: await workerCounter('ingest_fold_bulks_total'),
    jobs: await workerCounter('ingest_fold_jobs_total'),
    at: performance.now(),
    worker: cpuSeconds(workerPid),
    redis: cpuSeconds(redisPid),
    folded: await aggregated(),
    self: process.cpuUsage(),
  };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = {
    bulks: await workerCounter('ingest_fold_bulks_total'),
    jobs: await workerCounter('ingest_fold_jobs_total'),
    at: performance.now(),
    worker: cpuSeconds(workerPid),
    redis: cpuSeconds(redisPid),
    folded: await aggregated(),
    self: process.cpuUsage(before.self),
  };
  const backlogAfter = await backlog();
  running = false;
  await pacer;
  if (failed) throw failed;
  const spanS = (after.at - before.at) / 1000;
  const offered = (committed * groupSize) / ((performance.now() - startedAt) / 1000);
  const foldedPerS = (after.folded - before.folded) / spanS;
  const workerPct = (100 * (after.worker - before.worker)) / spanS;
  const redisPct = (100 * (after.redis - before.redis)) / spanS;
  const generatorPct = (100 * (after.self.user + after.self.system)) / 1e6 / spanS;
  await waitUntil(
    () => inFlight === 0,
    30_000,
    () => 'commits in flight',
  );
  const drainStart = performance.now();
  const final = { accepted: 0, folded: 0 };
  await waitUntil(
    async () => {
      const [accepted, folded, pending] = (
        await services.redis.mget(services.keys.accepted, services.keys.aggregated, services.keys.pending)
      ).map(Number);
      Object.assign(final, { accepted, folded });
      return pending === 0 && accepted === folded;
    },
    120_000,
    () => 'the queue to drain',
  );
  const drainMs = Math.round(performance.now() - drainStart);
  const per10k = (pct: number) => (foldedPerS > 0 ? Math.round((pct * 10_000 * 10) / foldedPerS) / 10 : 0);
  const settings = Object.entries(process.env)
    .filter(([name]) => /^(FOLD_|WORKER_|WINDOW_)/.test(name))
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  console.log(
    [
      `worker-cpu.bench: ${rate} samples/s offered (${offered.toFixed(0)} sent) as 1-sample batches from ${hosts} producers, ${groupSize} batches per group commit; measured ${seconds} s after ${warmup} s warm-up${settings ? `; ${settings}` : ''}`,
      `folded ${foldedPerS.toFixed(0)} samples/s; queue ${backlogBefore} batches at the start of the measurement, ${backlogAfter} at its end${backlogAfter > rate / 5 ? ' (the worker did not keep up)' : ''}`,
      `worker CPU ${workerPct.toFixed(1)} % of a core = ${per10k(workerPct)} % per 10,000 samples/s`,
      `redis CPU ${redisPct.toFixed(1)} % of a core = ${per10k(redisPct)} % per 10,000 samples/s`,
      `jobs ${((after.jobs - before.jobs) / spanS).toFixed(0)}/s${after.bulks > before.bulks ? `, bulks ${((after.bulks - before.bulks) / spanS).toFixed(1)}/s of ${((after.jobs - before.jobs) / (after.bulks - before.bulks)).toFixed(1)} jobs on average` : ''}`,
      `generator (this process) CPU ${generatorPct.toFixed(1)} % of a core`,
      `zero loss: ${final.accepted === acked && final.folded === acked ? 'yes' : 'NO'} (acked ${acked}, accepted ${final.accepted}, aggregated ${final.folded}); drained ${drainMs} ms after the load stopped`,
    ].join('\n'),
  );
  if (final.folded !== acked) process.exitCode = 1;
} finally {
  await worker?.stop();
  await services.close();
  await redis.stop();
}

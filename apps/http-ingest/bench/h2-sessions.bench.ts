// HTTP/2 per-session cost of System 1's h2c listener (not a test): N sessions, one per simulated
// server, each sends one batch and then idles; the server's RSS (and heap) growth divided by N is the
// memory an idle session holds. With --active-seconds, every session then sends one batch a second:
// the server's CPU per request, its memory per active session and the acks' latency. --server bare
// measures a bare node:http2 server (bench/bare-server.ts) the same way, for reference; --tls measures
// h2 over TLS (System 1's TLS listener, or a bare secure server) instead of h2c.
// Usage: pnpm --filter @ingestlab/http-ingest bench:h2-sessions [-- --sessions 2000 --active-seconds 10 --server system|bare --tls]
import { readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  integerFlag,
  type ManagedProcess,
  type PrivateRedis,
  scriptArgs,
  startProcess,
  startRedis,
  waitForPort,
  waitUntil,
} from '@ingestlab/devkit';
import { summariseProfile } from '@ingestlab/load-tests/cpu-profile';
import { cpuSecondsOf, rssBytesOf } from './process-cpu.js';
import { cutProfile, profileClockNow } from './profile-window.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    sessions: { type: 'string', default: '2000' },
    'idle-seconds': { type: 'string', default: '3' },
    'active-seconds': { type: 'string', default: '0' },
    server: { type: 'string', default: 'system' },
    'cpu-prof': { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: tsx --conditions=source bench/h2-sessions.bench.ts [--sessions 2000] [--idle-seconds 3] [--active-seconds 0] [--server system|bare] [--tls]
Opens --sessions h2c sessions to System 1 (server and one worker, private Redis) or to a bare node:http2
server, one batch each, and reports the server's memory per idle session (RSS growth / sessions, after
--idle-seconds). With --active-seconds, each session then sends a batch a second: server CPU per
request, memory per active session, ack p50/p99 and failures. --tls: h2 over TLS (System 1's TLS
listener, or a bare node:http2 secure server, with the self-signed development certificate) instead of h2c. --cpu-prof profiles the server and
prints where its time went in the active seconds (by package, then by function). Needs an open-file limit above the
sessions (ulimit -n 20000).`);
  process.exit(0);
}
const sessions = integerFlag('--sessions', values.sessions, 1, 20_000);
const idleSeconds = integerFlag('--idle-seconds', values['idle-seconds'], 1, 600);
const activeSeconds = integerFlag('--active-seconds', values['active-seconds'], 0, 3600);
if (values.server !== 'system' && values.server !== 'bare') {
  console.error(`--server must be system or bare, got ${JSON.stringify(values.server)}`);
  process.exit(2);
}
/** The protocol label of the sessions measured: h2 over TLS, or cleartext h2c. */
const protocol = values.tls ? 'h2' : 'h2c';
const appDir = join(import.meta.dirname, '..');
const tsxArgs = ['--import', 'tsx', '--conditions=source'];
const profileDir = values['cpu-prof'] ? join(tmpdir(), `ingestlab-h2-sessions-prof-${Date.now()}`) : null;
const profileArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];

/** Prints where the profiled server spent `span` (profile clock, µs): by package, then by function. */
function printProfile(pid: number, span: { from: number; to: number }): void {
  if (!profileDir) return;
  const file = readdirSync(profileDir).find((f) => f.includes(`.${pid}.0.`) && f.endsWith('.cpuprofile'));
  if (!file) {
    console.log(`(no profile written for pid ${pid})`);
    return;
  }
  const measured = join(profileDir, file.replace(/\.cpuprofile$/, '.active.cpuprofile'));
  cutProfile(join(profileDir, file), measured, span.from, span.to);
  const summary = summariseProfile(measured, 'server', join(appDir, '..', '..'), 20);
  console.log(
    `\nserver profile, active seconds: ${measured} (busy ${summary.busyMs} of ${summary.totalMs} ms)`,
  );
  for (const m of summary.modules) console.log(`  ${String(m.selfPercent).padStart(5)} %  ${m.module}`);
  for (const f of summary.top)
    console.log(`  ${String(f.selfPercent).padStart(5)} %  ${f.name}  ${f.location}`);
}

/** The cumulative latency buckets of h2c (or h2) POST /ingest from the server's /metrics: [le seconds, count]. */
async function ingestLatencyBuckets(url: string): Promise<[number, number][]> {
  const text = await fetch(url).then((r) => r.text());
  const pattern = new RegExp(
    `^ingest_http_request_duration_seconds_bucket\\{le="([^"]+)",protocol="${protocol}",route="/ingest"[^}]*\\} (\\d+)$`,
    'gm',
  );
  return [...text.matchAll(pattern)].map((m) => [
    m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]),
    Number(m[2]),
  ]);
}

/** The upper bound of the bucket that holds quantile q of the requests between two readings. */
function bucketBound(before: [number, number][], after: [number, number][], q: number): string {
  const counts = after.map(([le, n]) => [le, n - (before.find(([b]) => b === le)?.[1] ?? 0)] as const);
  const total = counts.at(-1)?.[1] ?? 0;
  const hit = counts.find(([, n]) => n >= q * total);
  if (!hit || total === 0) return '—';
  return hit[0] === Number.POSITIVE_INFINITY ? '> 2.5 s' : `${hit[0] * 1000} ms`;
}

interface ClientPhase {
  phase: string;
  sent?: number;
  acked?: number;
  failed?: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
}

/** The client's JSON lines so far. */
function phases(client: ManagedProcess): ClientPhase[] {
  return client
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ClientPhase);
}

async function waitForPhase(client: ManagedProcess, phase: string, timeoutMs: number): Promise<ClientPhase> {
  let found: ClientPhase | undefined;
  await waitUntil(
    () => {
      if (!client.alive() && !found) throw new Error(`client ended early:\n${client.output()}`);
      found = phases(client).find((p) => p.phase === phase);
      return found !== undefined;
    },
    timeoutMs,
    () => `client phase ${phase}`,
    100,
  );
  return found!;
}

async function main(): Promise<void> {
  const processes: ManagedProcess[] = [];
  const span = { from: 0, to: 0 };
  let serverPid: number | undefined;
  let redis: PrivateRedis | null = null;
  let metricsUrl: string | null = null;
  try {
    const port = await freePort();
    let server: ManagedProcess;
    if (values.server === 'bare') {
      server = startProcess(
        'bare',
        process.execPath,
        [...profileArgs, ...tsxArgs, 'bench/bare-server.ts', protocol, String(port)],
        { cwd: appDir, env: { ...process.env, CERT_DIR: '/tmp/ingestlab-bench-certs' } },
      );
      processes.push(server);
    } else {
      redis = await startRedis();
      const httpPort = await freePort();
      metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        KEY_PREFIX: 'h2-sessions',
        HTTP_PORT: String(httpPort),
        // The measured listener gets `port`; the other one a port of its own.
        H2C_PORT: String(values.tls ? await freePort() : port),
        HTTPS_PORT: String(values.tls ? port : await freePort()),
        CERT_DIR: '/tmp/ingestlab-bench-certs',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '0',
      };
      server = startProcess('server', process.execPath, [...profileArgs, ...tsxArgs, 'src/server.ts'], {
        cwd: appDir,
        env,
      });
      processes.push(server);
      processes.push(
        startProcess('worker', process.execPath, [...tsxArgs, 'src/worker.ts'], { cwd: appDir, env }),
      );
      await waitUntil(
        async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => null))?.ok === true,
        30_000,
        () => 'system ready',
      );
    }
    await waitForPort(port, '127.0.0.1', 30_000);
    const pid = server.child.pid;
    serverPid = pid;
    // Let start-up garbage settle before the reference reading.
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = rssBytesOf(pid)!;
    const client = startProcess(
      'client',
      process.execPath,
      [
        ...tsxArgs,
        'bench/h2-session-client.ts',
        `${values.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        String(sessions),
        String(idleSeconds + 2),
        String(activeSeconds),
      ],
      { cwd: appDir },
    );
    processes.push(client);
    const connect = await waitForPhase(client, 'connect', 300_000);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const rssIdle = rssBytesOf(pid)!;
    const rows: string[] = [];
    const perSession = (bytes: number) => `${Math.round(bytes / sessions).toLocaleString('en-US')} B`;
    rows.push(
      `| idle | ${connect.acked}/${connect.sent} first batches acked | ${perSession(rssIdle - rssBefore)} | — | — |`,
    );
    if (activeSeconds > 0) {
      await waitForPhase(client, 'idle-done', 60_000);
      const bucketsBefore = metricsUrl ? await ingestLatencyBuckets(metricsUrl) : null;
      const cpuBefore = cpuSecondsOf(pid)!;
      span.from = profileClockNow();
      const active = await waitForPhase(client, 'active', (activeSeconds + 120) * 1000);
      const cpuAfter = cpuSecondsOf(pid)!;
      span.to = profileClockNow();
      const rssActive = rssBytesOf(pid)!;
      const bucketsAfter = metricsUrl ? await ingestLatencyBuckets(metricsUrl) : null;
      const serverSide =
        bucketsBefore && bucketsAfter
          ? `; in the server (request to answer): p50 ≤ ${bucketBound(bucketsBefore, bucketsAfter, 0.5)}, p99 ≤ ${bucketBound(bucketsBefore, bucketsAfter, 0.99)}`
          : '';
      const usPerRequest = active.acked ? Math.round(((cpuAfter - cpuBefore) * 1e6) / active.acked) : null;
      rows.push(
        `| ${sessions} batches/s for ${activeSeconds} s | ${active.acked}/${active.sent} acked, ack p50 ${active.p50Ms} ms, p99 ${active.p99Ms} ms${serverSide} | ${perSession(rssActive - rssBefore)} | ${usPerRequest ?? '—'} | ${((cpuAfter - cpuBefore) / activeSeconds).toFixed(2)} cores |`,
      );
    }
    console.log(
      `\nh2-sessions: ${values.server === 'bare' ? `bare node:http2 ${protocol}` : `System 1 ${protocol}`}, ${sessions} sessions; machine ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    );
    console.log('| phase | client | server RSS per session | server CPU µs/req | server CPU |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    await Promise.all(processes.map((p) => p.stop(5000)));
    await redis?.stop();
  }
  if (serverPid !== undefined && span.to > 0) printProfile(serverPid, span);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

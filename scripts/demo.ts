// `pnpm demo`: both systems, Redis, the dashboard and a simulated fleet reporting into each, one
// connection per simulated server, with the fleet simulator's incidents. Servers run from source
// through tsx's loader (fast start, no build of six packages); the dashboard is built with Vite and
// served with its /s1 /s2 proxy. Ctrl-C stops all.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answers,
  ChildGroup,
  type ManagedProcess,
  portIsFree,
  reuseOrStartRedis,
  waitUntil,
} from '@ingestlab/devkit';
import { ensureOpenFiles } from '@ingestlab/producers';
import { serveDashboard } from '../apps/dashboard/serve.js';
import { type DemoOptions, demoOptions, HELP } from './demo/options.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

let options: DemoOptions;
try {
  options = demoOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`pnpm demo: ${(error as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const say = (text: string) => console.log(`[demo] ${text}`);

// Every part, stopped in reverse order of start: producers, dashboard, systems, Redis. Each child is
// in its own process group, so the terminal's Ctrl-C reaches only the demo, which stops them in turn.
// A part that dies on its own ends the demo: a half-running demo would only mislead.
const group = new ChildGroup({
  detached: true,
  onExit: (child, code) => {
    console.error(
      `[demo] ${child.name} exited on its own (code ${code}); last output:\n${child.output().slice(-1500)}`,
    );
    void shutdown(1);
  },
});
let stopping = false;

async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  try {
    await group.stop();
  } catch (error) {
    for (const failure of (error as AggregateError).errors ?? [error]) {
      console.error(`[demo] ${(failure as Error).message}`);
    }
  }
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => (stopping ? process.exit(130) : void shutdown(0)));
process.on('SIGTERM', () => void shutdown(0));

/** Fails with what to do when a port the demo needs is taken. */
async function checkPorts(): Promise<void> {
  const wanted: [string, number, string][] = [
    ['HTTP_PORT', options.ports.http, 'System 1 HTTP/1.1'],
    ['H2C_PORT', options.ports.h2c, 'System 1 h2c'],
    ['HTTPS_PORT', options.ports.https, 'System 1 TLS'],
    ['WS_PORT', options.ports.ws, 'System 2'],
    ['DASHBOARD_PORT', options.ports.dashboard, 'dashboard'],
  ];
  const taken: string[] = [];
  for (const [name, port, what] of wanted) {
    if (!(await portIsFree(port, options.host))) taken.push(`  ${port} (${what}, ${name})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `these ports are taken:\n${taken.join('\n')}\nStop what listens there (see \`ss -ltnp\`; an earlier demo or \`pnpm dev\`?) ` +
        'or choose others, e.g. `HTTP_PORT=4001 WS_PORT=4003 pnpm demo`.',
    );
  }
}

/** REDIS_URL when something answers there, else a private redis-server on its port (stopped last). */
async function ensureRedis(): Promise<string> {
  const redis = await reuseOrStartRedis(options.redisUrl, { detached: true });
  if (!redis.started) {
    say(`using the Redis answering at ${redis.url}`);
    return redis.url;
  }
  const started = redis.started;
  group.add(started.process, { stop: () => started.stop() });
  say(`started redis-server on port ${started.port} (stopped with the demo)`);
  return redis.url;
}

/** A Node entry point from source through tsx's loader: one process per part, so signals reach it. */
async function startFromSource(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  readyUrl?: string,
): Promise<ManagedProcess> {
  const child = group.start(name, process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: options.verbose ? 'info' : 'warn', ...env },
    echo: true,
    graceMs: 10_000,
  });
  if (readyUrl) {
    await waitUntil(
      () => answers(readyUrl),
      60_000,
      () => `${name} ready at ${readyUrl}`,
      {
        intervalMs: 100,
        abort: () => (child.alive() ? null : `exited (code ${child.child.exitCode}); its output is above`),
      },
    );
  }
  return child;
}

function buildDashboard(): void {
  say('building the dashboard (vite build)…');
  const result = spawnSync('pnpm', ['--filter', '@ingestlab/dashboard', 'build'], {
    cwd: repo,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`the dashboard build failed (exit ${result.status ?? result.signal})`);
}

/**
 * Each per-host connection is an open file in its producer and in the system it reaches: raise this
 * process's limit before anything starts, so the systems and producers inherit it. The producers of
 * both systems may share one process (two connections per simulated server there); each system holds
 * one per server. 512 spare covers Redis, logs, viewers and the runtime's own.
 */
function raiseOpenFiles(): void {
  if (!options.load || options.connections !== 'per-host') return;
  const outcome = ensureOpenFiles(2 * options.hosts + 512);
  if (!outcome.ok) throw new Error(`${options.hosts} simulated servers per system: ${outcome.advice}`);
  if (outcome.after && outcome.before && outcome.after.soft > outcome.before.soft) {
    say(`raised the open-file limit from ${outcome.before.soft} to ${outcome.after.soft}`);
  }
}

/** Starts a producer CLI from source; SIGINT makes it stop sending, wait for its acks and summarise. */
function startProducer(name: string, target: string, url: string, seed: string): void {
  const load = ['--hosts', String(options.hosts), '--rate', options.rate, '--batch', String(options.batch)];
  load.push('--connections', options.connections);
  load.push('--day', options.day, '--incidents', 'demo', '--duration', 'inf', '--quiet');
  if (options.token) load.push('--token', options.token);
  const cli = ['--import', 'tsx', '--conditions=source', 'packages/producers/src/cli.ts'];
  group.start(name, process.execPath, [...cli, '--target', target, '--url', url, '--seed', seed, ...load], {
    cwd: repo,
    echo: true,
    stopSignal: 'SIGINT',
    graceMs: 15_000,
  });
}

async function main(): Promise<void> {
  await checkPorts();
  raiseOpenFiles();
  if (options.build) buildDashboard();
  const redisUrl = await ensureRedis();

  const { host, bind, ports } = options;
  const s1 = `http://${host}:${ports.http}`;
  const s2 = `http://${host}:${ports.ws}`;
  const token = options.token ? { INGEST_TOKEN: options.token } : {};
  const s1Env = {
    HOST: bind,
    REDIS_URL: redisUrl,
    HTTP_PORT: String(ports.http),
    H2C_PORT: String(ports.h2c),
    HTTPS_PORT: String(ports.https),
    ...token,
  };
  say('starting System 1 (server + worker) and System 2 from source…');
  await Promise.all([
    startFromSource('s1', 'apps/http-ingest/src/server.ts', s1Env, `${s1}/readyz`),
    startFromSource('s1-worker', 'apps/http-ingest/src/worker.ts', s1Env),
    startFromSource(
      's2',
      'apps/ws-ingest/src/server.ts',
      { HOST: bind, WS_PORT: String(ports.ws), ...token },
      `${s2}/readyz`,
    ),
  ]);

  const dashboard = await serveDashboard({ port: ports.dashboard, host: bind, upstreams: { s1, s2 } });
  group.onStop(() => dashboard.close(), 'dashboard');

  if (options.load) {
    startProducer('load-s1', 'http1', s1, '7');
    startProducer('load-s2', 'ws', `ws://${host}:${ports.ws}`, '8');
  }

  const how =
    options.connections === 'per-host'
      ? 'one connection each'
      : `over ${options.connections} pooled connections`;
  const perSystem = options.load
    ? `${options.hosts} simulated servers at ${options.rate} each into each system, ${how}`
    : 'no load (--no-load)';
  console.log(`
  ┌──────────────────────────────────────────────────────────────┐
    Dashboard:  ${dashboard.url}
    System 1:   ${s1}   (stats: ${s1}/stats)
    System 2:   ${s2}   (stats: ${s2}/stats)
    Load:       ${perSystem}; an incident about every minute
    Ctrl-C stops everything the demo started.
  └──────────────────────────────────────────────────────────────┘
`);
  setInterval(() => void report(s1, s2), 15_000).unref();
}

interface Stats {
  accepted: number;
  aggregated: number;
  queueDepth: number;
}

/** A line every 15 s, so the terminal shows the same accounting the dashboard does. */
async function report(s1: string, s2: string): Promise<void> {
  const read = async (base: string) => {
    try {
      const response = await fetch(`${base}/stats`, { signal: AbortSignal.timeout(2000) });
      const stats = (await response.json()) as Stats;
      return `accepted ${stats.accepted.toLocaleString('en-US')}, aggregated ${stats.aggregated.toLocaleString('en-US')}, queue ${stats.queueDepth}`;
    } catch {
      return 'not answering';
    }
  };
  if (!stopping) say(`System 1: ${await read(s1)} · System 2: ${await read(s2)}`);
}

main().catch((error: Error) => {
  console.error(`[demo] ${error.message}`);
  void shutdown(1);
});

#!/usr/bin/env node
// `pnpm demo`: both systems, Redis, the dashboard and producers at a steady visible load, with the
// fleet simulator's incidents. Servers run from source through tsx's loader (fast start, no build of
// six packages); the dashboard is built with Vite and served with its /s1 /s2 proxy. Ctrl-C stops all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDashboard } from '../apps/dashboard/serve.mjs';
import { startChild } from './demo/children.mjs';
import { demoOptions, HELP } from './demo/options.mjs';
import { answers, portIsFree, waitFor } from './lib/net.mjs';
import { findRedisServer, REDIS_INSTALL_HINT, redisAnswers } from './lib/redis.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @type {ReturnType<typeof demoOptions>} */
let options;
try {
  options = demoOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`pnpm demo: ${/** @type {Error} */ (error).message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const say = (/** @type {string} */ text) => console.log(`[demo] ${text}`);
/** Stopped in reverse order of start: producers, dashboard, systems, Redis. @type {{ name: string, stop: () => Promise<unknown> }[]} */
const started = [];
let stopping = false;

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const part of started.reverse()) {
    try {
      await part.stop();
    } catch (error) {
      console.error(`[demo] stopping ${part.name}: ${/** @type {Error} */ (error).message}`);
    }
  }
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => (stopping ? process.exit(130) : void shutdown(0)));
process.on('SIGTERM', () => void shutdown(0));

/**
 * A part that dies on its own ends the demo: a half-running demo would only mislead.
 * @param {import('./demo/children.mjs').DemoChild} child
 */
function watch(child) {
  child.exited.then((code) => {
    if (stopping) return;
    console.error(
      `[demo] ${child.name} exited on its own (code ${code}); last output:\n${child.output().slice(-1500)}`,
    );
    void shutdown(1);
  });
}

/** Fails with what to do when a port the demo needs is taken. */
async function checkPorts() {
  const wanted = [
    ['HTTP_PORT', options.ports.http, 'System 1 HTTP/1.1'],
    ['H2C_PORT', options.ports.h2c, 'System 1 h2c'],
    ['HTTPS_PORT', options.ports.https, 'System 1 TLS'],
    ['WS_PORT', options.ports.ws, 'System 2'],
    ['DASHBOARD_PORT', options.ports.dashboard, 'dashboard'],
  ];
  const taken = [];
  for (const [name, port, what] of wanted) {
    if (!(await portIsFree(Number(port), options.host))) taken.push(`  ${port} (${what}, ${name})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `these ports are taken:\n${taken.join('\n')}\nStop what listens there (see \`ss -ltnp\`; an earlier demo or \`pnpm dev\`?) ` +
        'or choose others, e.g. `HTTP_PORT=4001 WS_PORT=4003 pnpm demo`.',
    );
  }
}

/** REDIS_URL when something answers there, else a private redis-server on its port (or exit with a hint). */
async function ensureRedis() {
  if (await redisAnswers(options.redisUrl)) {
    say(`using the Redis answering at ${options.redisUrl}`);
    return options.redisUrl;
  }
  const binary = findRedisServer();
  if (!binary) {
    console.error(`[demo] no Redis answers at ${options.redisUrl} and ${REDIS_INSTALL_HINT}`);
    process.exit(1);
  }
  const url = new URL(options.redisUrl);
  const port = Number(url.port || 6379);
  if (!(await portIsFree(port, options.host))) {
    throw new Error(
      `port ${port} is taken by something that is not a Redis answering PING; set REDIS_URL to a Redis`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'ingestlab-demo-redis-'));
  const redis = startChild('redis', binary, [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    ...['--maxmemory-policy', 'noeviction', '--protected-mode', 'yes', '--daemonize', 'no'],
  ]);
  started.push({
    name: 'redis',
    stop: async () => {
      await redis.stop(3000);
      rmSync(dir, { recursive: true, force: true });
    },
  });
  const redisUrl = `redis://127.0.0.1:${port}`;
  await waitFor(
    () => redisAnswers(redisUrl),
    15_000,
    () => `redis-server on port ${port}`,
    () => (redis.alive() ? null : `exited: ${redis.output().slice(-400)}`),
  );
  watch(redis);
  say(`started redis-server on port ${port} (stopped with the demo)`);
  return redisUrl;
}

/**
 * A Node entry point from source through tsx's loader: one process per part, so signals reach it.
 * @param {string} name @param {string} entry @param {NodeJS.ProcessEnv} env @param {string} [readyUrl]
 */
async function startFromSource(name, entry, env, readyUrl) {
  const child = startChild(name, process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: options.verbose ? 'info' : 'warn', ...env },
    echo: true,
  });
  started.push({ name, stop: () => child.stop(10_000) });
  watch(child);
  if (readyUrl) {
    await waitFor(
      () => answers(readyUrl),
      60_000,
      () => `${name} ready at ${readyUrl}`,
      () => (child.alive() ? null : `exited (code ${child.child.exitCode}); its output is above`),
    );
  }
  return child;
}

function buildDashboard() {
  say('building the dashboard (vite build)…');
  const result = spawnSync('pnpm', ['--filter', '@ingestlab/dashboard', 'build'], {
    cwd: repo,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`the dashboard build failed (exit ${result.status ?? result.signal})`);
}

async function main() {
  await checkPorts();
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
  started.push({ name: 'dashboard', stop: () => dashboard.close() });

  if (options.load) {
    const load = ['--hosts', String(options.hosts), '--rate', options.rate, '--batch', String(options.batch)];
    load.push('--day', options.day, '--incidents', 'demo', '--duration', 'inf', '--quiet');
    if (options.token) load.push('--token', options.token);
    for (const [name, target, url, seed] of [
      ['load-s1', 'http1', s1, '7'],
      ['load-s2', 'ws', `ws://${host}:${ports.ws}`, '8'],
    ]) {
      const producer = startChild(
        name,
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=source',
          'packages/producers/src/cli.ts',
          '--target',
          target,
          '--url',
          url,
          '--seed',
          seed,
          ...load,
        ],
        { cwd: repo, echo: true },
      );
      // SIGINT makes the producer stop sending, wait for its acks and print its summary.
      started.push({ name, stop: () => producer.stop(15_000, 'SIGINT') });
      watch(producer);
    }
  }

  const perSystem = options.load
    ? `${options.hosts} hosts at ${options.rate} each into each system`
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

/** A line every 15 s, so the terminal shows the same accounting the dashboard does. */
async function report(s1, s2) {
  const read = async (/** @type {string} */ base) => {
    try {
      const stats = await (await fetch(`${base}/stats`, { signal: AbortSignal.timeout(2000) })).json();
      return `accepted ${stats.accepted.toLocaleString('en-US')}, aggregated ${stats.aggregated.toLocaleString('en-US')}, queue ${stats.queueDepth}`;
    } catch {
      return 'not answering';
    }
  };
  if (!stopping) say(`System 1: ${await read(s1)} · System 2: ${await read(s2)}`);
}

main().catch((error) => {
  console.error(`[demo] ${error.message}`);
  void shutdown(1);
});

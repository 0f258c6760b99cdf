#!/usr/bin/env node
// `pnpm stack`: the compose topology natively, from built code: a private Redis, 2 System 1 ingest
// replicas + 2 workers, System 2, the dashboard's static nginx and the real nginx in front
// (8080 http, 8443 https/h2). Prints the URLs; Ctrl-C stops everything.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ensureDevCert,
  findNginx,
  NGINX_INSTALL_HINT,
  startDashboardNginx,
  startFrontDoor,
} from './lib/front-door.mjs';
import { answers, portIsFree, portOr, waitFor } from './lib/net.mjs';
import { ChildGroup, startChild } from './lib/processes.mjs';
import { findRedisServer, REDIS_INSTALL_HINT, redisAnswers, startPrivateRedis } from './lib/redis.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: pnpm stack [-- options]

Starts the whole system natively, like docker compose: Redis, System 1 (ingest replicas + workers),
System 2, the dashboard and nginx in front. Runs built code (runs \`pnpm build\` when dist is missing).

Options:
  --http-port <n>     front door, plain http                 (default 8080)
  --https-port <n>    front door, TLS with HTTP/2            (default 8443)
  --replicas <n>      System 1 ingest replicas               (default 2)
  --workers <n>       System 1 workers                       (default 2)
  --redirect          send plain-http page requests to https (APIs under /s1/, /s2/ stay on http)
  --build             run \`pnpm build\` first even when dist exists
  --quiet             do not echo the services' logs
  -h, --help          this text

Environment: REDIS_URL (use that Redis instead of starting one), INGEST_TOKEN (passed to both systems),
NGINX_BIN, REDIS_SERVER_BIN. Replica i of System 1 listens on 3001+10i (HTTP/1.1), 3002+10i (h2c),
3443+10i (TLS); System 2 on 3003; a busy port is replaced by a free one and printed.
`;

/** @param {string[]} argv */
function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'http-port': { type: 'string', default: '8080' },
      'https-port': { type: 'string', default: '8443' },
      replicas: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      redirect: { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  /** @param {string} name @param {number} min @param {number} max */
  const int = (name, min, max) => {
    const raw = /** @type {string} */ (values[/** @type {'replicas'} */ (name)]);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  return {
    help: values.help,
    httpPort: int('http-port', 1, 65535),
    httpsPort: int('https-port', 1, 65535),
    replicas: int('replicas', 1, 8),
    workers: int('workers', 0, 16),
    redirect: values.redirect,
    build: values.build,
    echo: !values.quiet,
  };
}

const BUILT = [
  'apps/http-ingest/dist/server.js',
  'apps/http-ingest/dist/worker.js',
  'apps/ws-ingest/dist/server.js',
  'apps/dashboard/dist/index.html',
];

/** Builds the workspace when asked or when an entry point is missing. */
function ensureBuilt(force = false) {
  const missing = BUILT.filter((file) => !existsSync(join(repo, file)));
  if (!force && missing.length === 0) return;
  console.log(`stack: running pnpm build${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
  const result = spawnSync('pnpm', ['build'], { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('pnpm build failed');
  const still = BUILT.filter((file) => !existsSync(join(repo, file)));
  if (still.length) throw new Error(`pnpm build did not produce ${still.join(', ')}`);
}

/** Fails early, with the install line, when a system binary is missing. */
function checkTools() {
  if (!findNginx()) throw new Error(NGINX_INSTALL_HINT);
  if (!process.env.REDIS_URL && !findRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    throw new Error('openssl was not found (for the dev certificate): `sudo apt-get install -y openssl`');
  }
}

/**
 * @param {ChildGroup} group
 * @param {ReturnType<typeof options>} opts
 */
async function start(group, opts) {
  for (const port of [opts.httpPort, opts.httpsPort]) {
    if (!(await portIsFree(port)))
      throw new Error(`port ${port} is busy; choose another with --http-port/--https-port`);
  }
  const echo = opts.echo;
  let redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    if (!(await redisAnswers(redisUrl))) throw new Error(`REDIS_URL=${redisUrl} does not answer PING`);
  } else {
    redisUrl = (await startPrivateRedis(group, { echo: false })).url;
  }
  const token = process.env.INGEST_TOKEN ? { INGEST_TOKEN: process.env.INGEST_TOKEN } : {};
  const base = { ...process.env, HOST: '127.0.0.1', REDIS_URL: redisUrl, ...token };
  const node = process.execPath;

  /** @type {{ http: number, h2c: number, https: number }[]} */
  const replicas = [];
  for (let i = 0; i < opts.replicas; i++) {
    const ports = {
      http: await portOr(3001 + 10 * i),
      h2c: await portOr(3002 + 10 * i),
      https: await portOr(3443 + 10 * i),
    };
    replicas.push(ports);
    const env = {
      ...base,
      HTTP_PORT: String(ports.http),
      H2C_PORT: String(ports.h2c),
      HTTPS_PORT: String(ports.https),
    };
    group.add(
      startChild(`s1-ingest-${i + 1}`, node, ['dist/server.js'], {
        cwd: join(repo, 'apps/http-ingest'),
        env,
        echo,
      }),
    );
  }
  for (let i = 0; i < opts.workers; i++) {
    group.add(
      startChild(`s1-worker-${i + 1}`, node, ['dist/worker.js'], {
        cwd: join(repo, 'apps/http-ingest'),
        env: base,
        echo,
      }),
    );
  }
  const wsPort = await portOr(3003);
  group.add(
    startChild('s2', node, ['dist/server.js'], {
      cwd: join(repo, 'apps/ws-ingest'),
      env: { ...base, WS_PORT: String(wsPort) },
      echo,
    }),
  );

  const died = () => {
    const dead = group.children.find((child) => !child.alive());
    return dead ? `${dead.name} exited:\n${dead.output().slice(-1500)}` : null;
  };
  for (const ports of replicas) {
    await waitFor(
      () => answers(`http://127.0.0.1:${ports.http}/readyz`),
      30_000,
      () => `System 1 on ${ports.http}`,
      died,
    );
  }
  await waitFor(
    () => answers(`http://127.0.0.1:${wsPort}/readyz`),
    30_000,
    () => `System 2 on ${wsPort}`,
    died,
  );

  const dashPort = await portOr(5180);
  await startDashboardNginx(group, { port: dashPort, root: join(repo, 'apps/dashboard/dist'), echo });
  const { cert, key } = ensureDevCert();
  await startFrontDoor(group, {
    httpPort: opts.httpPort,
    httpsPort: opts.httpsPort,
    host: '0.0.0.0',
    system1: replicas.map((ports) => `127.0.0.1:${ports.http}`),
    system2: [`127.0.0.1:${wsPort}`],
    dashboard: `127.0.0.1:${dashPort}`,
    cert,
    key,
    redirect: opts.redirect,
    echo,
  });
  return { redisUrl, replicas, wsPort, dashPort, cert };
}

async function main() {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }
  checkTools();
  ensureBuilt(opts.build);
  const group = new ChildGroup();
  let stopping = false;
  const stop = async (/** @type {string} */ why, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstack: ${why}; stopping everything`);
    await group.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  let up;
  try {
    up = await start(group, opts);
  } catch (error) {
    console.error(`stack: ${error instanceof Error ? error.message : error}`);
    await stop('start failed', 1);
    return;
  }
  const front = `http://localhost:${opts.httpPort}`;
  const secure = `https://localhost:${opts.httpsPort}`;
  console.log(`
ingestlab stack is up
  dashboard         ${front}/        (${secure}/ — self-signed: NODE_EXTRA_CA_CERTS=${up.cert})
  System 1          ${front}/s1/stats   ingest: POST ${secure}/s1/ingest (h2) or ${front}/s1/ingest
  System 2          ${front}/s2/stats   ingest: ws://localhost:${opts.httpPort}/s2/ingest
  live              ${front}/s1/live/sse, ${front}/s2/live/sse (WebSocket: /s1/live, /s2/live)
  direct            System 1 replicas ${up.replicas.map((p) => p.http).join(', ')} (h2c ${up.replicas.map((p) => p.h2c).join(', ')}), System 2 ${up.wsPort}
  redis             ${up.redisUrl}
  try               node packages/producers/dist/cli.js --target h2 --url ${secure}/s1 --ca ${up.cert} --hosts 100 --duration 30s
Ctrl-C stops everything.`);
  const { child, code } = await group.firstExit();
  await stop(`${child.name} exited with ${code}:\n${child.output().slice(-1500)}`, 1);
}

class UsageError extends Error {}

main().catch((error) => {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
    // bad flags (ours, or parseArgs' own "Unknown option"): the message says which
    console.error(`stack: ${error.message}\nRun "pnpm stack --help" for the options.`);
    process.exitCode = 2;
    return;
  }
  console.error(`stack: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
});

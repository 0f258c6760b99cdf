// `pnpm stack`: the compose topology natively, from built code: a private Redis (or, with
// --redis-cluster N, a private Redis Cluster of N masters), 2 System 1 ingest replicas + 2 workers,
// System 2 (or, with --s2-shards N, N shards and a merger), the dashboard's static nginx and the real
// nginx in front (8080 http, 8443 https/h2). Prints the URLs; Ctrl-C stops everything, front door first.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answers,
  ChildGroup,
  findRedisServer,
  portIsFree,
  portOr,
  REDIS_INSTALL_HINT,
  redisAnswers,
  startRedis,
  startRedisCluster,
  waitUntil,
} from '@ingestlab/devkit';
import {
  ensureDevCert,
  findNginx,
  NGINX_INSTALL_HINT,
  startDashboardNginx,
  startFrontDoor,
} from './lib/front-door.js';
import { UsageError } from '@ingestlab/devkit';
import { HELP, type StackOptions, stackOptions } from './stack/options.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

const BUILT = [
  'apps/http-ingest/dist/server.js',
  'apps/http-ingest/dist/worker.js',
  'apps/ws-ingest/dist/server.js',
  'apps/ws-ingest/dist/shard/server.js',
  'apps/ws-ingest/dist/merger/server.js',
  'apps/dashboard/dist/index.html',
];

/** Builds the workspace when asked or when an entry point is missing. */
function ensureBuilt(force = false): void {
  const missing = BUILT.filter((file) => !existsSync(join(repo, file)));
  if (!force && missing.length === 0) return;
  console.log(`stack: running pnpm build${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
  const result = spawnSync('pnpm', ['build'], { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('pnpm build failed');
  const still = BUILT.filter((file) => !existsSync(join(repo, file)));
  if (still.length) throw new Error(`pnpm build did not produce ${still.join(', ')}`);
}

/** Fails early, with the install line, when a system binary is missing. */
function checkTools(): void {
  if (!findNginx()) throw new Error(NGINX_INSTALL_HINT);
  if (!process.env.REDIS_URL && !findRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    throw new Error('openssl was not found (for the dev certificate): `sudo apt-get install -y openssl`');
  }
}

/** REDIS_URL, which must answer; else a private append-only redis-server (6379 when free), stopped last. */
async function redisFor(group: ChildGroup): Promise<string> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (!(await redisAnswers(given))) throw new Error(`REDIS_URL=${given} does not answer PING`);
    return given;
  }
  const redis = await startRedis({ preferredPort: 6379, appendOnly: true, detached: true });
  group.add(redis.process, { stop: () => redis.stop() });
  return redis.url;
}

/** --redis-cluster n: a private Redis Cluster (n masters, a replica each), stopped last; `cluster:<nodes>`. */
async function clusterFor(group: ChildGroup, masters: number): Promise<string> {
  const cluster = await startRedisCluster({ masters, replicasPerMaster: 1, detached: true });
  for (const server of cluster.servers) group.add(server.process, { stop: () => server.stop() });
  return `cluster:${cluster.nodesSetting}`;
}

interface Replica {
  http: number;
  h2c: number;
  https: number;
}

async function start(group: ChildGroup, opts: StackOptions) {
  for (const port of [opts.httpPort, opts.httpsPort]) {
    if (!(await portIsFree(port)))
      throw new Error(`port ${port} is busy; choose another with --http-port/--https-port`);
  }
  const redisUrl =
    opts.redisCluster === null ? await redisFor(group) : await clusterFor(group, opts.redisCluster);
  const token = process.env.INGEST_TOKEN ? { INGEST_TOKEN: process.env.INGEST_TOKEN } : {};
  const base = { ...process.env, HOST: '127.0.0.1', ...token };
  const s1Redis =
    opts.redisCluster === null
      ? { REDIS_URL: redisUrl }
      : { REDIS_CLUSTER_NODES: redisUrl.replace(/^cluster:/, '') };
  const node = process.execPath;

  const replicas: Replica[] = [];
  for (let i = 0; i < opts.replicas; i++) {
    const ports = {
      http: await portOr(3001 + 10 * i),
      h2c: await portOr(3002 + 10 * i),
      https: await portOr(3443 + 10 * i),
    };
    replicas.push(ports);
    group.start(`s1-ingest-${i + 1}`, node, ['dist/server.js'], {
      cwd: join(repo, 'apps/http-ingest'),
      env: {
        ...base,
        ...s1Redis,
        HTTP_PORT: String(ports.http),
        H2C_PORT: String(ports.h2c),
        HTTPS_PORT: String(ports.https),
      },
    });
  }
  for (let i = 0; i < opts.workers; i++) {
    group.start(`s1-worker-${i + 1}`, node, ['dist/worker.js'], {
      cwd: join(repo, 'apps/http-ingest'),
      env: { ...base, ...s1Redis },
    });
  }
  const system2 = await startSystem2(group, opts.s2Shards, base);

  const ready = (port: number, what: string) =>
    waitUntil(
      () => answers(`http://127.0.0.1:${port}/readyz`),
      30_000,
      () => `${what} on ${port}`,
      { intervalMs: 100, abort: () => group.died() },
    );
  for (const ports of replicas) await ready(ports.http, 'System 1');
  for (const port of system2.shards) await ready(port, opts.s2Shards > 0 ? 'System 2 shard' : 'System 2');
  if (system2.merger !== null) await ready(system2.merger, 'System 2 merger');

  const dashPort = await portOr(5180);
  const echo = opts.echo;
  await startDashboardNginx(group, { port: dashPort, root: join(repo, 'apps/dashboard/dist'), echo });
  const { cert, key } = ensureDevCert();
  await startFrontDoor(group, {
    httpPort: opts.httpPort,
    httpsPort: opts.httpsPort,
    host: '0.0.0.0',
    system1: replicas.map((ports) => `127.0.0.1:${ports.http}`),
    system2: [`127.0.0.1:${system2.merger ?? system2.shards[0]}`],
    system2Ingest: system2.shards.map((port) => `127.0.0.1:${port}`),
    dashboard: `127.0.0.1:${dashPort}`,
    cert,
    key,
    redirect: opts.redirect,
    echo,
  });
  return { redisUrl, replicas, system2, dashPort, cert };
}

/**
 * System 2: one process on 3003, or `shards` shard processes (3003+10i) that nginx picks by producer,
 * and the merger (3005) that merges their windows and serves /s2/'s reads.
 */
async function startSystem2(
  group: ChildGroup,
  shards: number,
  base: NodeJS.ProcessEnv,
): Promise<{ shards: number[]; merger: number | null }> {
  const cwd = join(repo, 'apps/ws-ingest');
  if (shards === 0) {
    const port = await portOr(3003);
    group.start('s2', process.execPath, ['dist/server.js'], { cwd, env: { ...base, WS_PORT: String(port) } });
    return { shards: [port], merger: null };
  }
  const ports: number[] = [];
  for (let i = 0; i < shards; i++) {
    const port = await portOr(3003 + 10 * i);
    ports.push(port);
    group.start(`s2-shard-${i + 1}`, process.execPath, ['dist/shard/server.js'], {
      cwd,
      env: { ...base, WS_PORT: String(port) },
    });
  }
  const merger = await portOr(3005);
  group.start('s2-merger', process.execPath, ['dist/merger/server.js'], {
    cwd,
    env: {
      ...base,
      MERGER_PORT: String(merger),
      SHARD_URLS: ports.map((port, i) => `s2-shard-${i + 1}=http://127.0.0.1:${port}`).join(','),
    },
  });
  return { shards: ports, merger };
}

async function main(): Promise<void> {
  const opts = stackOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }
  checkTools();
  ensureBuilt(opts.build);
  // Each child in its own process group: the terminal's Ctrl-C reaches only this process, which
  // stops them last-started first (front door, dashboard, systems, Redis).
  const group = new ChildGroup({ detached: true, echo: opts.echo });
  let stopping = false;
  const stop = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstack: ${why}; stopping everything`);
    try {
      await group.stop();
    } catch (error) {
      console.error(`stack: ${(error as Error).message}`);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  let up: Awaited<ReturnType<typeof start>>;
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
  direct            System 1 replicas ${up.replicas.map((p) => p.http).join(', ')} (h2c ${up.replicas.map((p) => p.h2c).join(', ')}), ${
    up.system2.merger === null
      ? `System 2 ${up.system2.shards[0]}`
      : `System 2 shards ${up.system2.shards.join(', ')} (ingest, hashed by producer), merger ${up.system2.merger}`
  }
  redis             ${up.redisUrl}
  try               node packages/producers/dist/cli.js --target h2 --url ${secure}/s1 --ca ${up.cert} --hosts 100 --duration 30s
Ctrl-C stops everything.`);
  const { child, code } = await group.firstExit();
  await stop(`${child.name} exited with ${code}:\n${child.output().slice(-1500)}`, 1);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
    // bad flags (ours, or parseArgs' own "Unknown option"): the message says which
    console.error(`stack: ${error.message}\nRun "pnpm stack --help" for the options.`);
    process.exitCode = 2;
    return;
  }
  console.error(`stack: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
});

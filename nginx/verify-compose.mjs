#!/usr/bin/env node
// Checks docker-compose.yml against what the parts really read, without a container engine:
// `docker-compose config` must accept it (its output read with the yaml package); every file a
// service references must exist (build contexts, Dockerfiles and what they COPY, bind mounts, the
// scripts commands run, Artillery's scenario); every environment variable given must be one the
// app's own config loader asks for (found by running the loader, not by reading its source); the
// producers' flags must pass the producers' own parser; ports, health and start order must agree.
// Run by .ci/run and test/stack/compose.test.ts:
//   node --import tsx --conditions=source nginx/verify-compose.mjs
// (the apps' config modules are TypeScript, loaded from source). `pnpm test:compose` then builds
// and runs it all for real on podman.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { TEMPLATES, substitute, templateNames } from './render.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export const COMPOSE_INSTALL_HINT =
  'docker-compose was not found: `sudo apt-get install -y docker-compose` (v1.29 validates the file ' +
  'without a Docker engine).';

/** The contract's settings every System 1 container must receive (and HOST=0.0.0.0). */
const SYSTEM1_CONTRACT = ['REDIS_URL', 'HOST', 'HTTP_PORT', 'H2C_PORT', 'HTTPS_PORT', 'INGEST_TOKEN'];
const SYSTEM2_CONTRACT = ['HOST', 'WS_PORT', 'INGEST_TOKEN'];
/** The services allowed to publish ports: the front door, and the `scale` profile's own. */
const FRONT_DOORS = ['nginx', 'nginx-scale'];
/** The `scale` profile: System 2 as shards, their merger and their front door. */
const SCALE_SHARDS = ['ws-shard-1', 'ws-shard-2', 'ws-shard-3'];
/** ...and System 1 on a Redis Cluster: six cluster-mode nodes (3 masters, a replica each), made one. */
const CLUSTER_NODES = [
  'redis-node-1',
  'redis-node-2',
  'redis-node-3',
  'redis-node-4',
  'redis-node-5',
  'redis-node-6',
];
const CLUSTER_SYSTEM1 = ['http-ingest-cluster', 'http-worker-cluster'];
const EXPECTED_SERVICES = [
  'redis',
  'http-ingest',
  'http-worker',
  'ws-ingest',
  'dashboard',
  'nginx',
  'load-http',
  'load-ws',
  'compare',
  'artillery',
];

/**
 * Where an image's working directories come from in the repo, so paths in commands can be checked:
 * the app images hold `pnpm deploy` of their package at /app (dist/x.js is built from src/x.ts); the
 * load-tests image holds the whole workspace at /repo.
 * @type {Record<string, { dir: string, from: string }>}
 */
const IMAGE_ROOTS = {
  'ingestlab/http-ingest:dev': { dir: '/app', from: 'apps/http-ingest' },
  'ingestlab/ws-ingest:dev': { dir: '/app', from: 'apps/ws-ingest' },
  'ingestlab/load-tests:dev': { dir: '/repo', from: '.' },
};

/** docker-compose in the usual places; null when absent. */
export function findDockerCompose() {
  return (
    ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((candidate) => existsSync(candidate)) ??
    null
  );
}

/**
 * `docker-compose config` of a compose file (every profile; relative paths from the repo root), read
 * with the yaml package.
 * @param {string} binary
 * @param {Record<string, string>} [env] extra variables for interpolation
 * @param {string} [file] default the repo's docker-compose.yml
 * @returns {any}
 */
export function composeConfig(binary, env = {}, file = join(repo, 'docker-compose.yml')) {
  const text = execFileSync(
    binary,
    ['-f', file, '--project-directory', repo, '--profile', 'load', '--profile', 'bench', 'config'],
    { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  ).toString();
  return parseYaml(text);
}

/**
 * The environment variable names a config loader reads, found by running it: it is handed an
 * environment that answers "unset" to everything and records each name asked for, so defaults
 * apply and nothing is guessed from the source text.
 * @param {(env: Record<string, string | undefined>) => unknown} loadConfig
 * @returns {Set<string>}
 */
export function envNamesAskedBy(loadConfig) {
  /** @type {Set<string>} */
  const asked = new Set();
  const env = new Proxy(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') asked.add(name);
        return undefined;
      },
      has(_target, name) {
        if (typeof name === 'string') asked.add(name);
        return false;
      },
    },
  );
  try {
    loadConfig(env);
  } catch {
    // a setting without a default may be required: the names asked for so far still count
  }
  return asked;
}

/**
 * An app's `loadConfig`, imported from its TypeScript source.
 * @param {string} app folder under apps/
 */
async function appConfigLoader(app) {
  const file = join(repo, 'apps', app, 'src', 'config.ts');
  try {
    const module = await import(pathToFileURL(file).href);
    if (typeof module.loadConfig !== 'function') throw new Error(`${file} exports no loadConfig`);
    return /** @type {(env: Record<string, string | undefined>) => unknown} */ (module.loadConfig);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `could not load ${relative(repo, file)} (${message}); run with node --import tsx --conditions=source`,
    );
  }
}

/**
 * A Dockerfile's instructions, continuation lines joined, comments dropped.
 * @param {string} file
 * @returns {{ op: string, args: string }[]}
 */
export function dockerInstructions(file) {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.search(/\s/);
      return { op: line.slice(0, at).toUpperCase(), args: line.slice(at + 1).trim() };
    });
}

/**
 * The instructions of a Dockerfile's last stage.
 * @param {string} file
 */
function lastStage(file) {
  const all = dockerInstructions(file);
  const from = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(from);
}

/**
 * The CMD of a Dockerfile's last stage, as an argv.
 * @param {string} file
 */
function dockerCmd(file) {
  const cmd = lastStage(file)
    .filter((i) => i.op === 'CMD')
    .at(-1);
  return cmd ? /** @type {string[]} */ (JSON.parse(cmd.args)) : null;
}

/**
 * ENV values set in a Dockerfile's last stage.
 * @param {string} file
 */
function dockerEnv(file) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const { op, args } of lastStage(file)) {
    if (op !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/**
 * The sources of every COPY/ADD that reads the build context (not --from another stage).
 * @param {string} file
 */
function copiedSources(file) {
  /** @type {string[]} */
  const sources = [];
  for (const { op, args } of dockerInstructions(file)) {
    if (op !== 'COPY' && op !== 'ADD') continue;
    const words = args.split(/\s+/);
    if (words.some((word) => word.startsWith('--from='))) continue;
    sources.push(...words.filter((word) => !word.startsWith('--')).slice(0, -1));
  }
  return sources;
}

/** @param {string} pkg folder of a package, relative to the repo */
function scripts(pkg) {
  return JSON.parse(readFileSync(join(repo, pkg, 'package.json'), 'utf8')).scripts ?? {};
}

/** @param {any} service */
function envOf(service) {
  const env = service?.environment ?? {};
  return Array.isArray(env) ? Object.fromEntries(env.map((pair) => pair.split(/=(.*)/s).slice(0, 2))) : env;
}

/** Port of the first "server host:port" in an upstream line. */
function upstreamPort(line = '') {
  return /server [^:\s]+:(\d+)/.exec(line)?.[1];
}

/**
 * The argv a service's `sh -c` command hands its program, expanded by a real shell with the given
 * environment (compose's `$$` is a literal `$` there).
 * @param {string} script the text after `sh -c`
 * @param {string} program e.g. "node packages/producers/dist/cli.js"
 * @param {Record<string, string>} env
 */
function shellArgv(script, program, env) {
  const body = script.replace(/\$\$/g, '$').replace(/^exec\s+/, '');
  if (!body.startsWith(program)) return null;
  const printed = execFileSync('sh', ['-c', `printf '%s\\0' ${body.slice(program.length)}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  }).toString();
  return printed.split('\0').slice(0, -1);
}

/**
 * The file in the repo a path inside a service's container stands for (null when unknown).
 * @param {any} service
 * @param {string} path as the command names it, relative to working_dir or absolute
 */
function repoFileFor(service, path) {
  const root = IMAGE_ROOTS[service.image];
  if (!root) return null;
  const inContainer = isAbsolute(path) ? path : join(service.working_dir ?? root.dir, path);
  if (!inContainer.startsWith(`${root.dir}/`)) return null;
  const inRepo = join(repo, root.from, inContainer.slice(root.dir.length + 1));
  // Built output in the image is made from the package's source: dist/x.js from src/x.ts.
  return inRepo.replace(/\/dist\/(.+)\.js$/, '/src/$1.ts');
}

/**
 * Every check; resolves to the problems found (empty when the file is right).
 * @param {{ binary?: string, nginx?: string | null, file?: string }} [options] file: another compose
 *   file to check (tests), default the repo's docker-compose.yml
 * @returns {Promise<string[]>}
 */
export async function verifyCompose(options = {}) {
  const binary = options.binary ?? findDockerCompose();
  if (!binary) return [COMPOSE_INSTALL_HINT];
  /** @type {string[]} */
  const problems = [];
  const problem = (/** @type {string} */ text) => problems.push(text);

  let config;
  try {
    config = composeConfig(binary, {}, options.file);
    // A token and other overrides must interpolate too (they are what people will set).
    composeConfig(
      binary,
      { INGEST_TOKEN: 'secret', LOAD_RATE: '2/s', FRONT_HTTPS_REDIRECT: 'on' },
      options.file,
    );
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
    return [`docker-compose config refused docker-compose.yml:\n${stderr}`];
  }
  if ('version' in config && Number(config.version) < 3.9) {
    problem(`compose file says version ${config.version}; leave it out (Compose Specification)`);
  }
  const services = config.services ?? {};
  for (const name of EXPECTED_SERVICES) if (!services[name]) problem(`service ${name} is missing`);

  checkFiles(services, problem);

  // Only the front door publishes ports, and exactly 8080 and 8443 inside.
  for (const [name, service] of Object.entries(services)) {
    const ports = service.ports ?? [];
    if (!FRONT_DOORS.includes(name) && ports.length > 0)
      problem(`${name} publishes ports; only ${FRONT_DOORS.join(' and ')} may`);
  }
  const frontTargets = (services.nginx?.ports ?? []).map((/** @type {any} */ port) =>
    typeof port === 'object' ? String(port.target) : String(port).split(':').at(-1),
  );
  if (frontTargets.sort().join(',') !== '8080,8443') {
    problem(`nginx publishes ${frontTargets.join(', ') || 'nothing'}; want 8080 and 8443`);
  }

  // Redis: durable queue, never evicting, with a health check the others wait on.
  const redisCommand = (services.redis?.command ?? []).join(' ');
  if (!/--maxmemory-policy noeviction/.test(redisCommand))
    problem('redis must run with --maxmemory-policy noeviction');
  if (!/--appendonly yes/.test(redisCommand)) problem('redis must run with --appendonly yes');
  if (
    !(services.redis?.volumes ?? []).some((/** @type {any} */ v) =>
      String(typeof v === 'object' ? v.target : v).includes('/data'),
    )
  ) {
    problem('redis needs a volume on /data');
  }
  if (!services.redis?.healthcheck?.test) problem('redis needs a healthcheck');

  /** @param {string} name @param {string} on */
  const waitsHealthy = (name, on) => {
    if (services[name]?.depends_on?.[on]?.condition !== 'service_healthy') {
      problem(`${name} must depend on ${on} with condition: service_healthy`);
    }
  };
  waitsHealthy('http-ingest', 'redis');
  waitsHealthy('http-worker', 'redis');
  for (const upstream of ['http-ingest', 'ws-ingest', 'dashboard']) waitsHealthy('nginx', upstream);
  for (const tool of ['load-http', 'load-ws', 'artillery']) waitsHealthy(tool, 'nginx');

  for (const name of ['http-ingest', 'http-worker']) {
    if (services[name]?.deploy?.replicas !== 2) problem(`${name} should start 2 replicas (deploy.replicas)`);
  }
  for (const name of ['load-http', 'load-ws']) {
    if (!(services[name]?.profiles ?? []).includes('load')) problem(`${name} belongs in the "load" profile`);
  }
  for (const name of ['compare', 'artillery']) {
    if (!(services[name]?.profiles ?? []).includes('bench'))
      problem(`${name} belongs in the "bench" profile`);
  }

  // Environment: every variable given is one the app's config loader asks for; the contract's are given.
  /** @type {Set<string> | null} */
  let s1Read = null;
  /** @type {Set<string> | null} */
  let s2Read = null;
  try {
    s1Read = envNamesAskedBy(await appConfigLoader('http-ingest'));
    s2Read = envNamesAskedBy(await appConfigLoader('ws-ingest'));
  } catch (error) {
    problem(error instanceof Error ? error.message : String(error));
  }
  for (const name of ['http-ingest', 'http-worker']) {
    const env = envOf(services[name]);
    for (const key of SYSTEM1_CONTRACT) if (!(key in env)) problem(`${name} does not set ${key}`);
    if (env.HOST !== '0.0.0.0') problem(`${name} must bind HOST=0.0.0.0 inside its container`);
    if (s1Read)
      for (const key of Object.keys(env))
        if (!s1Read.has(key)) problem(`${name} sets ${key}, which System 1's loadConfig never reads`);
  }
  const s1Env = envOf(services['http-ingest']);
  const s1Expose = (services['http-ingest']?.expose ?? []).map(String).sort().join(',');
  const s1Ports = [s1Env.HTTP_PORT, s1Env.H2C_PORT, s1Env.HTTPS_PORT].sort().join(',');
  if (s1Expose !== s1Ports) problem(`http-ingest exposes ${s1Expose} but listens on ${s1Ports}`);

  const s2Env = envOf(services['ws-ingest']);
  for (const key of SYSTEM2_CONTRACT) if (!(key in s2Env)) problem(`ws-ingest does not set ${key}`);
  if (s2Env.HOST !== '0.0.0.0') problem('ws-ingest must bind HOST=0.0.0.0 inside its container');
  if (s2Read)
    for (const key of Object.keys(s2Env))
      if (!s2Read.has(key)) problem(`ws-ingest sets ${key}, which System 2's loadConfig never reads`);
  if ((services['ws-ingest']?.expose ?? []).map(String).join(',') !== s2Env.WS_PORT) {
    problem(`ws-ingest exposes ${services['ws-ingest']?.expose} but listens on WS_PORT=${s2Env.WS_PORT}`);
  }

  // Commands: the images' CMD and the worker override are the packages' start scripts.
  const s1Scripts = scripts('apps/http-ingest');
  const s1Cmd = dockerCmd(join(repo, 'apps', 'http-ingest', 'Dockerfile'))?.join(' ');
  if (s1Cmd !== s1Scripts.start)
    problem(`http-ingest image runs "${s1Cmd}", package start is "${s1Scripts.start}"`);
  const workerCmd = (services['http-worker']?.command ?? []).join(' ');
  if (workerCmd !== s1Scripts['start:worker']) {
    problem(`http-worker runs "${workerCmd}", package start:worker is "${s1Scripts['start:worker']}"`);
  }
  const s2Cmd = dockerCmd(join(repo, 'apps', 'ws-ingest', 'Dockerfile'))?.join(' ');
  if (s2Cmd !== scripts('apps/ws-ingest').start)
    problem(`ws-ingest image runs "${s2Cmd}", package start differs`);

  // The front door: every template variable set, upstream ports matching the services.
  const frontEnv = envOf(services.nginx);
  const template = readFileSync(TEMPLATES.front.file, 'utf8');
  for (const name of templateNames(template, 'FRONT_'))
    if (!(name in frontEnv)) problem(`nginx does not set ${name}`);
  if (upstreamPort(frontEnv.FRONT_S1_SERVERS) !== s1Env.HTTP_PORT)
    problem('FRONT_S1_SERVERS must point at HTTP_PORT (HTTP/1.1)');
  if (upstreamPort(frontEnv.FRONT_S2_SERVERS) !== s2Env.WS_PORT)
    problem('FRONT_S2_SERVERS must point at WS_PORT');
  const dashListen = dockerEnv(join(repo, 'apps', 'dashboard', 'Dockerfile')).DASH_LISTEN;
  if (upstreamPort(frontEnv.FRONT_DASHBOARD_SERVERS) !== dashListen)
    problem(`FRONT_DASHBOARD_SERVERS must point at DASH_LISTEN=${dashListen}`);
  if (!/^server http-ingest:/.test(frontEnv.FRONT_S1_SERVERS ?? ''))
    problem('FRONT_S1_SERVERS must name the http-ingest service');

  if (upstreamPort(frontEnv.FRONT_S2_INGEST_SERVERS) !== s2Env.WS_PORT)
    problem('FRONT_S2_INGEST_SERVERS must point at WS_PORT');

  if (problems.length === 0) checkFrontRendering(template, frontEnv, options.nginx, problem);
  const scaleEnv = await checkScaleProfile(services, template, problem);
  checkClusterProfile(services, s1Read, problem);
  if (problems.length === 0 && scaleEnv) checkFrontRendering(template, scaleEnv, options.nginx, problem);
  await checkLoadCommands(services, problem);
  checkArtillery(services, problem);
  return problems;
}

/**
 * The `scale` profile's System 1 on a Redis Cluster: six cluster-mode Redis nodes, an init service
 * that makes them one cluster of three masters with a replica each, and a System 1 ingest and
 * worker that start once it has, set only what System 1 reads, and name the cluster's nodes; the
 * profile's front door sends /s1/ to that ingest.
 * @param {Record<string, any>} services
 * @param {Set<string> | null} s1Read the settings System 1's loadConfig reads (null: not loaded)
 * @param {(text: string) => void} problem
 */
function checkClusterProfile(services, s1Read, problem) {
  for (const name of [...CLUSTER_NODES, 'redis-cluster-init', ...CLUSTER_SYSTEM1]) {
    if (!services[name]) {
      problem(`service ${name} is missing (the "scale" profile: System 1 on a Redis Cluster)`);
      return;
    }
    if (!(services[name].profiles ?? []).includes('scale')) problem(`${name} belongs in the "scale" profile`);
  }
  for (const name of CLUSTER_NODES) {
    const command = (services[name].command ?? []).map(String);
    const flag = command.indexOf('--cluster-enabled');
    if (flag < 0 || command[flag + 1] !== 'yes')
      problem(`${name} must run redis-server --cluster-enabled yes`);
    if (!command.includes('noeviction')) problem(`${name} must refuse writes when full (noeviction)`);
  }
  const init = services['redis-cluster-init'];
  const initCommand = (init.command ?? []).join(' ');
  if (!/--cluster-replicas 1/.test(initCommand) || !/--cluster create/.test(initCommand))
    problem('redis-cluster-init must create the cluster with --cluster-replicas 1');
  for (const node of CLUSTER_NODES)
    if (init.depends_on?.[node]?.condition !== 'service_healthy')
      problem(`redis-cluster-init must depend on ${node} with condition: service_healthy`);
  for (const name of CLUSTER_SYSTEM1) {
    const env = envOf(services[name]);
    if (env.HOST !== '0.0.0.0') problem(`${name} must bind HOST=0.0.0.0 inside its container`);
    if (s1Read)
      for (const key of Object.keys(env))
        if (!s1Read.has(key)) problem(`${name} sets ${key}, which System 1's loadConfig never reads`);
    /** @type {string[]} */
    const nodes = String(env.REDIS_CLUSTER_NODES ?? '')
      .split(',')
      .map((/** @type {string} */ node) => node.split(':')[0] ?? '');
    if (nodes.length === 0 || nodes.some((node) => !CLUSTER_NODES.includes(node)))
      problem(`${name}: REDIS_CLUSTER_NODES must name the cluster's nodes, got "${env.REDIS_CLUSTER_NODES}"`);
    if (services[name].depends_on?.['redis-cluster-init']?.condition !== 'service_completed_successfully')
      problem(`${name} must depend on redis-cluster-init with condition: service_completed_successfully`);
  }
  const workerCommand = (services['http-worker-cluster'].command ?? []).join(' ');
  const plainWorker = (services['http-worker']?.command ?? []).join(' ');
  if (workerCommand !== plainWorker)
    problem(`http-worker-cluster runs "${workerCommand}", http-worker runs "${plainWorker}"`);
  const front = envOf(services['nginx-scale']);
  const ingestPort = envOf(services['http-ingest-cluster']).HTTP_PORT;
  if (!new RegExp(`^server http-ingest-cluster:${ingestPort} `).test(front.FRONT_S1_SERVERS ?? ''))
    problem('nginx-scale: FRONT_S1_SERVERS must point at http-ingest-cluster:HTTP_PORT');
  if (services['nginx-scale'].depends_on?.['http-ingest-cluster']?.condition !== 'service_healthy')
    problem('nginx-scale must depend on http-ingest-cluster with condition: service_healthy');
}

/**
 * The `scale` profile: three shards and the merger run the System 2 image's shard and merger entry
 * points (the package's start:shard and start:merger), set only what those read, and the merger and
 * the profile's front door name every shard on its port. Returns the front door's environment.
 * @param {Record<string, any>} services
 * @param {string} template
 * @param {(text: string) => void} problem
 * @returns {Promise<Record<string, string> | null>}
 */
async function checkScaleProfile(services, template, problem) {
  const names = [...SCALE_SHARDS, 'ws-merger', 'nginx-scale'];
  for (const name of names) {
    if (!services[name]) {
      problem(`service ${name} is missing (the "scale" profile)`);
      return null;
    }
    if (!(services[name].profiles ?? []).includes('scale')) problem(`${name} belongs in the "scale" profile`);
  }
  const pkg = scripts('apps/ws-ingest');
  /** @type {Record<string, Set<string>>} */
  const read = {};
  try {
    const shard = await import(pathToFileURL(join(repo, 'apps/ws-ingest/src/shard/config.ts')).href);
    const merger = await import(pathToFileURL(join(repo, 'apps/ws-ingest/src/merger/config.ts')).href);
    read.shard = envNamesAskedBy(shard.loadShardConfig);
    read.merger = envNamesAskedBy(merger.loadMergerConfig);
  } catch (error) {
    problem(`could not load the shard or merger config (${error instanceof Error ? error.message : error})`);
  }
  /** @type {string[]} */
  const shardUrls = [];
  for (const name of SCALE_SHARDS) {
    const env = envOf(services[name]);
    const command = (services[name].command ?? []).join(' ');
    if (command !== pkg['start:shard'])
      problem(`${name} runs "${command}", start:shard is "${pkg['start:shard']}"`);
    if (env.HOST !== '0.0.0.0') problem(`${name} must bind HOST=0.0.0.0 inside its container`);
    if (read.shard)
      for (const key of Object.keys(env))
        if (!read.shard.has(key))
          problem(`${name} sets ${key}, which the shard's loadShardConfig never reads`);
    if ((services[name].expose ?? []).map(String).join(',') !== env.WS_PORT)
      problem(`${name} exposes ${services[name].expose} but listens on WS_PORT=${env.WS_PORT}`);
    shardUrls.push(`${name}=http://${name}:${env.WS_PORT}`);
  }
  const mergerEnv = envOf(services['ws-merger']);
  const mergerCommand = (services['ws-merger'].command ?? []).join(' ');
  if (mergerCommand !== pkg['start:merger'])
    problem(`ws-merger runs "${mergerCommand}", start:merger is "${pkg['start:merger']}"`);
  if (read.merger)
    for (const key of Object.keys(mergerEnv))
      if (!read.merger.has(key)) problem(`ws-merger sets ${key}, which loadMergerConfig never reads`);
  if (mergerEnv.SHARD_URLS !== shardUrls.join(','))
    problem(`ws-merger's SHARD_URLS is "${mergerEnv.SHARD_URLS}", want "${shardUrls.join(',')}"`);
  for (const name of SCALE_SHARDS) {
    if (services['ws-merger'].depends_on?.[name]?.condition !== 'service_healthy')
      problem(`ws-merger must depend on ${name} with condition: service_healthy`);
  }
  const frontEnv = envOf(services['nginx-scale']);
  for (const name of templateNames(template, 'FRONT_'))
    if (!(name in frontEnv)) problem(`nginx-scale does not set ${name}`);
  if (!new RegExp(`^server ws-merger:${mergerEnv.MERGER_PORT} `).test(frontEnv.FRONT_S2_SERVERS ?? ''))
    problem('nginx-scale: FRONT_S2_SERVERS must point at ws-merger:MERGER_PORT');
  const ingest = [...(frontEnv.FRONT_S2_INGEST_SERVERS ?? '').matchAll(/server ([^\s;]+)/g)].map((m) => m[1]);
  const wanted = SCALE_SHARDS.map((name) => `${name}:${envOf(services[name]).WS_PORT}`);
  if (ingest.join(',') !== wanted.join(','))
    problem(`nginx-scale: FRONT_S2_INGEST_SERVERS names ${ingest.join(', ')}, want ${wanted.join(', ')}`);
  if (services['nginx-scale'].depends_on?.['ws-merger']?.condition !== 'service_healthy')
    problem('nginx-scale must depend on ws-merger with condition: service_healthy');
  return frontEnv;
}

/**
 * Every file a service references exists: build context and Dockerfile, what the Dockerfile copies
 * from the context, bind-mounted host paths, and the scripts its command runs.
 * @param {Record<string, any>} services
 * @param {(text: string) => void} problem
 */
function checkFiles(services, problem) {
  const exists = (/** @type {string} */ path) => existsSync(path);
  for (const [name, service] of Object.entries(services)) {
    if (service.build) {
      const context = service.build.context;
      const dockerfile = join(context, service.build.dockerfile ?? 'Dockerfile');
      if (!exists(context) || !statSync(context).isDirectory())
        problem(`${name}: build context ${context} is missing`);
      else if (!exists(dockerfile)) problem(`${name}: Dockerfile ${relative(repo, dockerfile)} is missing`);
      else
        for (const source of copiedSources(dockerfile)) {
          if (!exists(join(context, source)))
            problem(`${name}: ${relative(repo, dockerfile)} copies ${source}, which is missing`);
        }
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'object' ? volume.source : String(volume).split(':')[0];
      if (source && isAbsolute(source) && !exists(source))
        problem(`${name}: bind mount ${source} is missing`);
    }
    // `node <script>` (directly or through `sh -c`): the script, or the source it is built from.
    const command = [service.entrypoint ?? [], service.command ?? []].flat().join(' ');
    for (const match of command.matchAll(
      /\bnode\s+(?:--[\w-]+(?:[= ][\w-]+)?\s+)*([\w./-]+\.(?:[cm]?js|ts))/g,
    )) {
      const script = match[1] ?? '';
      const file = repoFileFor(service, script);
      if (file && !exists(file))
        problem(`${name} runs ${script}, but ${relative(repo, file)} does not exist`);
    }
  }
}

/**
 * The compose rendering of the front template is a config nginx accepts (service names swapped for
 * loopback, since they resolve only inside the compose network).
 * @param {string} template
 * @param {Record<string, string>} frontEnv
 * @param {string | null | undefined} given nginx binary (null: skip)
 * @param {(text: string) => void} problem
 */
function checkFrontRendering(template, frontEnv, given, problem) {
  const nginx = given === undefined ? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find(existsSync) : given;
  if (!nginx) return;
  const prefix = mkdtempSync(join(tmpdir(), 'ingestlab-verify-compose-'));
  try {
    mkdirSync(join(prefix, 'tmp'));
    execFileSync('sh', [join(repo, 'nginx', 'gen-dev-cert.sh'), join(prefix, 'certs')], { stdio: 'pipe' });
    const local = { ...frontEnv };
    for (const key of [
      'FRONT_S1_SERVERS',
      'FRONT_S2_SERVERS',
      'FRONT_S2_INGEST_SERVERS',
      'FRONT_DASHBOARD_SERVERS',
    ]) {
      local[key] = (local[key] ?? '').replace(/server [^:\s]+:/g, 'server 127.0.0.1:');
    }
    Object.assign(local, {
      FRONT_PID: join(prefix, 'nginx.pid'),
      FRONT_TEMP_DIR: join(prefix, 'tmp'),
      FRONT_TLS_CERT: join(prefix, 'certs', 'dev.crt'),
      FRONT_TLS_KEY: join(prefix, 'certs', 'dev.key'),
    });
    const file = join(prefix, 'front.conf');
    writeFileSync(file, substitute(template, local, 'FRONT_'));
    execFileSync(nginx, ['-t', '-q', '-p', prefix, '-c', file, '-e', 'stderr'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
    problem(`nginx -t refused the compose rendering of front.conf.template: ${stderr}`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

/**
 * The load services' producer commands, as their shell expands them with and without a token, pass
 * the producers CLI's own parser (flags and values).
 * @param {Record<string, any>} services
 * @param {(text: string) => void} problem
 */
async function checkLoadCommands(services, problem) {
  const program = 'node packages/producers/dist/cli.js';
  /** @type {(argv: string[]) => unknown} */
  let parseCli;
  try {
    ({ parseCli } = await import(
      pathToFileURL(join(repo, 'packages', 'producers', 'src', 'cli-args.ts')).href
    ));
  } catch (error) {
    problem(`could not load the producers' cli-args.ts: ${error instanceof Error ? error.message : error}`);
    return;
  }
  for (const name of ['load-http', 'load-ws']) {
    const command = services[name]?.command ?? [];
    const script = command[0] === 'sh' && command[1] === '-c' ? String(command[2] ?? '') : command.join(' ');
    /** @type {Record<string, string>[]} */
    const environments = [{}, { INGEST_TOKEN: 'secret' }];
    for (const env of environments) {
      const argv = shellArgv(script, program, env);
      if (!argv) {
        problem(`${name} does not run ${program}`);
        break;
      }
      try {
        parseCli(argv);
      } catch (error) {
        problem(
          `${name}: ingestlab-produce refuses ${argv.join(' ')}: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
  }
}

/**
 * The artillery service's default scenario exists under load-tests/scenarios and defines the
 * environment the service selects (the one that targets this stack's nginx).
 * @param {Record<string, any>} services
 * @param {(text: string) => void} problem
 */
function checkArtillery(services, problem) {
  const env = envOf(services.artillery);
  const scenario = env.ARTILLERY_SCENARIO;
  const file = join(repo, 'load-tests', 'scenarios', `${scenario}.yml`);
  if (!scenario || !existsSync(file)) {
    problem(`artillery's default scenario ${scenario} is not a file in load-tests/scenarios`);
    return;
  }
  const environments = Object.keys(parseYaml(readFileSync(file, 'utf8'))?.config?.environments ?? {});
  if (!environments.includes(env.ARTILLERY_ENVIRONMENT)) {
    problem(
      `artillery selects environment ${env.ARTILLERY_ENVIRONMENT}, which ${scenario}.yml does not define`,
    );
    return;
  }
  const target = parseYaml(readFileSync(file, 'utf8')).config.environments[env.ARTILLERY_ENVIRONMENT].target;
  if (!/^\w+:\/\/nginx:\d+\/s[12]\b/.test(String(target)))
    problem(`artillery's default target ${target} does not go through nginx to /s1 or /s2`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = await verifyCompose();
  if (problems.length > 0) {
    console.error(`docker-compose.yml: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
    process.exitCode = 1;
  } else {
    console.log('docker-compose.yml: accepted by docker-compose config and consistent with the apps');
  }
}

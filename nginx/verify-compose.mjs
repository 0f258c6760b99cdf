#!/usr/bin/env node
// Checks docker-compose.yml against what the parts really read: `docker-compose config` must accept
// it, and each service's command, ports and environment must match the apps' config files, the
// Dockerfiles, the producers CLI and the nginx template. Run by .ci/run and test/stack/compose.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES, substitute, templateNames } from './render.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export const COMPOSE_INSTALL_HINT =
  'docker-compose was not found: `sudo apt-get install -y docker-compose` (v1.29 validates the file ' +
  'without a Docker engine).';

/** The contract's settings every System 1 container must receive (and HOST=0.0.0.0). */
const SYSTEM1_CONTRACT = ['REDIS_URL', 'HOST', 'HTTP_PORT', 'H2C_PORT', 'HTTPS_PORT', 'INGEST_TOKEN'];
const SYSTEM2_CONTRACT = ['HOST', 'WS_PORT', 'INGEST_TOKEN'];
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

/** docker-compose in the usual places; null when absent. */
export function findDockerCompose() {
  return (
    ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((candidate) => existsSync(candidate)) ??
    null
  );
}

/**
 * `docker-compose config` of the repo's file as an object (YAML read by the PyYAML docker-compose
 * itself depends on, so no YAML package is needed here).
 * @param {string} binary
 * @param {Record<string, string>} [env] extra variables for interpolation
 * @returns {any}
 */
export function composeConfig(binary, env = {}) {
  const yaml = execFileSync(binary, ['-f', join(repo, 'docker-compose.yml'), 'config'], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  const json = execFileSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: yaml },
  ).toString();
  return JSON.parse(json);
}

/**
 * Environment variable names config modules read: `env, 'NAME'`, `env.NAME`, `env['NAME']`, or a
 * settings schema's keys (`NAME: Type.Integer(...)`).
 * @param {string[]} files the app's config.ts and the shared settings it spreads in
 * @returns {Set<string> | null} null when the app's file does not exist yet
 */
export function envNamesRead(...files) {
  if (!files[0] || !existsSync(files[0])) return null;
  const names = new Set();
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /\benv(?:\.([A-Z][A-Z0-9_]+)|\[\s*'([A-Z][A-Z0-9_]+)'\s*\]|,\s*'([A-Z][A-Z0-9_]+)')|^\s*([A-Z][A-Z0-9_]+): Type\./gm,
    )) {
      names.add(match[1] ?? match[2] ?? match[3] ?? match[4]);
    }
  }
  return names;
}

/** The settings both systems read (@ingestlab/serving), spread into each app's config.ts. */
const SHARED_SETTINGS = ['packages', 'serving', 'src', 'settings', 'shared-settings.ts'];

/**
 * The CMD of a Dockerfile's last stage, as an argv.
 * @param {string} file
 */
function dockerCmd(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const cmd = lines.filter((line) => line.startsWith('CMD ')).at(-1);
  return cmd ? /** @type {string[]} */ (JSON.parse(cmd.slice(4))) : null;
}

/**
 * ENV values set in a Dockerfile (`ENV A=1 \` continuation lines included).
 * @param {string} file
 */
function dockerEnv(file) {
  const text = readFileSync(file, 'utf8').replace(/\\\n\s*/g, ' ');
  /** @type {Record<string, string>} */
  const env = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** @param {string} pkg folder of a package, relative to the repo */
function scripts(pkg) {
  return JSON.parse(readFileSync(join(repo, pkg, 'package.json'), 'utf8')).scripts ?? {};
}

/** The long flags the producers CLI declares (cli-args.ts), or null before it exists. */
function producerFlags() {
  const file = join(repo, 'packages', 'producers', 'src', 'cli-args.ts');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const options = text.slice(text.indexOf('options: {'));
  return new Set([...options.matchAll(/^\s+'?([a-z][a-z-]*)'?: \{ type:/gm)].map((m) => `--${m[1]}`));
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
 * Every check; returns the problems found (empty when the file is right).
 * @param {{ binary?: string, nginx?: string | null }} [options]
 */
export function verifyCompose(options = {}) {
  const binary = options.binary ?? findDockerCompose();
  if (!binary) return [COMPOSE_INSTALL_HINT];
  /** @type {string[]} */
  const problems = [];
  const problem = (/** @type {string} */ text) => problems.push(text);

  let config;
  try {
    config = composeConfig(binary);
    // A token and other overrides must interpolate too (they are what people will set).
    composeConfig(binary, { INGEST_TOKEN: 'secret', LOAD_RATE: '2/s', FRONT_HTTPS_REDIRECT: 'on' });
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
    return [`docker-compose config refused docker-compose.yml:\n${stderr}`];
  }
  if ('version' in config && Number(config.version) < 3.9) {
    problem(`compose file says version ${config.version}; leave it out (Compose Specification)`);
  }
  const services = config.services ?? {};
  for (const name of EXPECTED_SERVICES) if (!services[name]) problem(`service ${name} is missing`);

  // Only the front door publishes ports, and exactly 8080 and 8443 inside.
  for (const [name, service] of Object.entries(services)) {
    const ports = service.ports ?? [];
    if (name !== 'nginx' && ports.length > 0) problem(`${name} publishes ports; only nginx may`);
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

  // System 1: every variable given is one config.ts reads; the contract's ones are all given.
  const s1Read = envNamesRead(
    join(repo, 'apps', 'http-ingest', 'src', 'config.ts'),
    join(repo, ...SHARED_SETTINGS),
  );
  for (const name of ['http-ingest', 'http-worker']) {
    const env = envOf(services[name]);
    for (const key of SYSTEM1_CONTRACT) if (!(key in env)) problem(`${name} does not set ${key}`);
    if (env.HOST !== '0.0.0.0') problem(`${name} must bind HOST=0.0.0.0 inside its container`);
    if (s1Read)
      for (const key of Object.keys(env))
        if (!s1Read.has(key))
          problem(`${name} sets ${key}, which apps/http-ingest/src/config.ts never reads`);
  }
  const s1Env = envOf(services['http-ingest']);
  const s1Expose = (services['http-ingest']?.expose ?? []).map(String).sort().join(',');
  const s1Ports = [s1Env.HTTP_PORT, s1Env.H2C_PORT, s1Env.HTTPS_PORT].sort().join(',');
  if (s1Expose !== s1Ports) problem(`http-ingest exposes ${s1Expose} but listens on ${s1Ports}`);

  const s2Read = envNamesRead(
    join(repo, 'apps', 'ws-ingest', 'src', 'config.ts'),
    join(repo, ...SHARED_SETTINGS),
  );
  const s2Env = envOf(services['ws-ingest']);
  for (const key of SYSTEM2_CONTRACT) if (!(key in s2Env)) problem(`ws-ingest does not set ${key}`);
  if (s2Env.HOST !== '0.0.0.0') problem('ws-ingest must bind HOST=0.0.0.0 inside its container');
  if (s2Read)
    for (const key of Object.keys(s2Env))
      if (!s2Read.has(key)) problem(`ws-ingest sets ${key}, which apps/ws-ingest/src/config.ts never reads`);
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

  // The compose rendering must be a config nginx accepts (service names swapped for loopback).
  const nginx =
    options.nginx === undefined
      ? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find(existsSync)
      : options.nginx;
  if (nginx && problems.length === 0) {
    const prefix = mkdtempSync(join(tmpdir(), 'ingestlab-verify-compose-'));
    try {
      mkdirSync(join(prefix, 'tmp'));
      execFileSync('sh', [join(repo, 'nginx', 'gen-dev-cert.sh'), join(prefix, 'certs')], { stdio: 'pipe' });
      const local = { ...frontEnv };
      for (const key of ['FRONT_S1_SERVERS', 'FRONT_S2_SERVERS', 'FRONT_DASHBOARD_SERVERS']) {
        local[key] = local[key].replace(/server [^:\s]+:/g, 'server 127.0.0.1:');
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

  // Load services: every flag they pass is one the producers CLI declares.
  const flags = producerFlags();
  if (flags) {
    for (const name of ['load-http', 'load-ws']) {
      const command = (services[name]?.command ?? []).join(' ');
      if (!command.includes('packages/producers/dist/cli.js'))
        problem(`${name} does not run the producers CLI`);
      for (const flag of command.match(/--[a-z][a-z-]*/g) ?? []) {
        if (!flags.has(flag)) problem(`${name} passes ${flag}, which ingestlab-produce does not accept`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = verifyCompose();
  if (problems.length > 0) {
    console.error(`docker-compose.yml: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
    process.exitCode = 1;
  } else {
    console.log('docker-compose.yml: accepted by docker-compose config and consistent with the apps');
  }
}

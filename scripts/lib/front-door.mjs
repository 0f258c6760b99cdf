// Runs the real nginx natively with the nginx/ templates: the dashboard's static nginx and the front
// door, each with its own prefix dir, as compose runs them (only the upstream addresses differ).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, upstreamServers } from '../../nginx/render.mjs';
import { listening, waitFor } from './net.mjs';
import { startChild } from './processes.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const NGINX_INSTALL_HINT =
  'nginx was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y nginx`, macOS: ' +
  '`brew install nginx`) or set NGINX_BIN to its path.';

/** NGINX_BIN, the usual places, then PATH; null when absent. */
export function findNginx() {
  const candidates = [
    process.env.NGINX_BIN,
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/bin/nginx',
  ];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(join(dir, 'nginx'));
  return candidates.find((candidate) => candidate && existsSync(candidate)) ?? null;
}

/** Makes (or keeps) the development certificate in `dir` with nginx/gen-dev-cert.sh. */
export function ensureDevCert(dir = join(repo, 'nginx', 'certs')) {
  execFileSync('sh', [join(repo, 'nginx', 'gen-dev-cert.sh'), dir], { stdio: 'pipe' });
  return { cert: join(dir, 'dev.crt'), key: join(dir, 'dev.key') };
}

/**
 * Renders `kind`'s template into a fresh prefix dir, checks it with `nginx -t`, runs it in the
 * foreground and waits until `port` listens.
 * @param {import('./processes.mjs').ChildGroup} group
 * @param {'front' | 'dashboard'} kind
 * @param {Record<string, string>} values template variables
 * @param {number} port a port the config listens on, to know it is up
 * @param {{ echo?: boolean }} [options]
 */
async function runNginx(group, kind, values, port, options = {}) {
  const nginx = findNginx();
  if (!nginx) throw new Error(NGINX_INSTALL_HINT);
  const prefix = mkdtempSync(join(tmpdir(), `ingestlab-${kind}-nginx-`));
  // Workers of a root master run as "nobody": they must be able to enter the prefix.
  chmodSync(prefix, 0o755);
  group.onStop(() => rmSync(prefix, { recursive: true, force: true }));
  const tempDir = join(prefix, 'tmp');
  mkdirSync(tempDir);
  const config = join(prefix, `${kind}.conf`);
  const pidName = kind === 'front' ? 'FRONT_PID' : 'DASH_PID';
  const tempName = kind === 'front' ? 'FRONT_TEMP_DIR' : 'DASH_TEMP_DIR';
  writeFileSync(
    config,
    render(kind, { [pidName]: join(prefix, 'nginx.pid'), [tempName]: tempDir, ...values }),
  );
  const args = ['-p', prefix, '-c', config, '-e', 'stderr'];
  try {
    execFileSync(nginx, [...args, '-t', '-q'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
    throw new Error(`nginx rejected the rendered ${kind} config (${config}):\n${stderr}`);
  }
  const child = group.add(
    startChild(`nginx:${kind}`, nginx, [...args, '-g', 'daemon off;'], { echo: options.echo ?? false }),
  );
  await waitFor(
    () => listening(port),
    15_000,
    () => `nginx (${kind}) on port ${port}`,
    () => (child.alive() ? null : `exited: ${child.output().slice(-600)}`),
  );
  return { child, prefix, config };
}

/**
 * The dashboard's static nginx on 127.0.0.1:port serving `root` (apps/dashboard/dist by default).
 * @param {import('./processes.mjs').ChildGroup} group
 * @param {{ port: number, root?: string, echo?: boolean }} options
 */
export async function startDashboardNginx(group, options) {
  /** @type {Record<string, string>} */
  const values = { DASH_LISTEN: `127.0.0.1:${options.port}` };
  if (options.root) values.DASH_ROOT = options.root;
  return runNginx(group, 'dashboard', values, options.port, options);
}

/**
 * The front door on httpPort/httpsPort, proxying to the given upstream addresses (host:port).
 * @param {import('./processes.mjs').ChildGroup} group
 * @param {{ host?: string, httpPort: number, httpsPort: number, system1: string[], system2: string[],
 *   dashboard: string, cert: string, key: string, redirect?: boolean, accessLog?: string,
 *   extra?: Record<string, string>, echo?: boolean }} options
 */
export async function startFrontDoor(group, options) {
  const host = options.host ?? '127.0.0.1';
  const values = {
    FRONT_HTTP_LISTEN: `${host}:${options.httpPort}`,
    FRONT_HTTPS_LISTEN: `${host}:${options.httpsPort}`,
    FRONT_PUBLIC_HTTPS_PORT: String(options.httpsPort),
    FRONT_HTTPS_REDIRECT: options.redirect ? 'on' : 'off',
    FRONT_TLS_CERT: options.cert,
    FRONT_TLS_KEY: options.key,
    FRONT_ACCESS_LOG: options.accessLog ?? 'off',
    FRONT_S1_SERVERS: upstreamServers(options.system1),
    FRONT_S2_SERVERS: upstreamServers(options.system2),
    FRONT_DASHBOARD_SERVERS: upstreamServers([options.dashboard]),
    ...options.extra,
  };
  return runNginx(group, 'front', values, options.httpsPort, options);
}

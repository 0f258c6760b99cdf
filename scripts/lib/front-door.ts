// Runs the real nginx natively with the nginx/ templates: the dashboard's static nginx and the front
// door, each with its own prefix dir, as compose runs them (only the upstream addresses differ).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildGroup, findBinary, listening, type ManagedProcess, waitUntil } from '@ingestlab/devkit';
import { render, upstreamServers } from '../../nginx/render.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const NGINX_INSTALL_HINT =
  'nginx was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y nginx`, macOS: ' +
  '`brew install nginx`) or set NGINX_BIN to its path.';

/** NGINX_BIN, the usual places, then PATH; null when absent. */
export function findNginx(): string | null {
  return findBinary('nginx', {
    envVar: 'NGINX_BIN',
    places: ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'],
  });
}

/** Makes (or keeps) the development certificate in `dir` with nginx/gen-dev-cert.sh. */
export function ensureDevCert(dir = join(repo, 'nginx', 'certs')): { cert: string; key: string } {
  execFileSync('sh', [join(repo, 'nginx', 'gen-dev-cert.sh'), dir], { stdio: 'pipe' });
  return { cert: join(dir, 'dev.crt'), key: join(dir, 'dev.key') };
}

export interface RunningNginx {
  readonly child: ManagedProcess;
  /** nginx's prefix dir (config, pid, temp files); removed when the group stops. */
  readonly prefix: string;
  readonly config: string;
}

/**
 * Renders `kind`'s template into a fresh prefix dir, checks it with `nginx -t`, runs it in the
 * foreground as a member of `group` and waits until `port` (one the config listens on) accepts.
 */
async function runNginx(
  group: ChildGroup,
  kind: 'front' | 'dashboard',
  values: Record<string, string>,
  port: number,
  echo = false,
): Promise<RunningNginx> {
  const nginx = findNginx();
  if (!nginx) throw new Error(NGINX_INSTALL_HINT);
  const prefix = mkdtempSync(join(tmpdir(), `ingestlab-${kind}-nginx-`));
  // Workers of a root master run as "nobody": they must be able to enter the prefix.
  chmodSync(prefix, 0o755);
  group.onStop(() => rmSync(prefix, { recursive: true, force: true }), `${kind} nginx prefix`);
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
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`nginx rejected the rendered ${kind} config (${config}):\n${stderr}`);
  }
  const child = group.start(`nginx:${kind}`, nginx, [...args, '-g', 'daemon off;'], { echo });
  await waitUntil(
    () => listening(port),
    15_000,
    () => `nginx (${kind}) on port ${port}`,
    { intervalMs: 100, abort: () => (child.alive() ? null : `exited: ${child.output().slice(-600)}`) },
  );
  return { child, prefix, config };
}

export interface DashboardNginxOptions {
  /** Port on 127.0.0.1 to serve on. */
  port: number;
  /** Folder served. Default apps/dashboard/dist (the template's DASH_ROOT). */
  root?: string;
  /** Echo nginx's log with a `[nginx:dashboard]` prefix. Default false. */
  echo?: boolean;
}

/** The dashboard's static nginx on 127.0.0.1:port. */
export async function startDashboardNginx(
  group: ChildGroup,
  options: DashboardNginxOptions,
): Promise<RunningNginx> {
  const values: Record<string, string> = { DASH_LISTEN: `127.0.0.1:${options.port}` };
  if (options.root) values.DASH_ROOT = options.root;
  return runNginx(group, 'dashboard', values, options.port, options.echo);
}

export interface FrontDoorOptions {
  /** Bind address of both listeners. Default 127.0.0.1. */
  host?: string;
  /** Plain http listener (compose: 8080). */
  httpPort: number;
  /** TLS listener with HTTP/2 (compose: 8443); readiness is checked here. */
  httpsPort: number;
  /** host:port of each System 1 replica (HTTP/1.1) for the /s1/ pool. */
  system1: string[];
  /** host:port of System 2 for /s2/ (with shards: the merger). */
  system2: string[];
  /** host:port of each System 2 shard for /s2/ingest, hashed by producer. Default `system2`. */
  system2Ingest?: string[];
  /** host:port of the dashboard's static server for /. */
  dashboard: string;
  /** PEM certificate and key for the TLS listener. */
  cert: string;
  key: string;
  /** Redirect plain-http page requests to https (APIs under /s1/ and /s2/ never are). Default false. */
  redirect?: boolean;
  /** "off" or a file path for nginx's access log. Default "off". */
  accessLog?: string;
  /** Further FRONT_* template values, overriding the rest (e.g. tighter limits in a test). */
  extra?: Record<string, string>;
  /** Echo nginx's log with a `[nginx:front]` prefix. Default false. */
  echo?: boolean;
}

/** The front door on httpPort/httpsPort, proxying to the given upstream addresses. */
export async function startFrontDoor(group: ChildGroup, options: FrontDoorOptions): Promise<RunningNginx> {
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
    FRONT_S2_INGEST_SERVERS: upstreamServers(options.system2Ingest ?? options.system2),
    FRONT_DASHBOARD_SERVERS: upstreamServers([options.dashboard]),
    ...options.extra,
  };
  return runNginx(group, 'front', values, options.httpsPort, options.echo);
}

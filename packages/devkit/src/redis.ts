// A private redis-server for a test, dev or demo run: its own port, no persistence unless asked,
// stopped by whoever started it. Never relies on a Redis someone else started.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './binaries.js';
import { freePort, portIsFree, portOr } from './ports.js';
import { type ManagedProcess, startProcess } from './processes.js';
import { waitUntil } from './wait.js';

export const REDIS_INSTALL_HINT =
  'redis-server was not found. Install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) ' +
  'or `brew install redis` (macOS), set REDIS_SERVER_BIN to its path, or point REDIS_URL at a running ' +
  'Redis 6.2+.';

export interface RedisOptions {
  /** Exactly this port; startRedis fails with a clear reason when it is taken. Default: a free port. */
  port?: number;
  /** This port when it is free (e.g. 6379, where tools look first), else a free one. Ignored with `port`. */
  preferredPort?: number;
  /** Turn on append-only persistence (fsync every second) in a private directory. */
  appendOnly?: boolean;
  /** Keep data in this directory (survives a restart with the same dir); default a fresh temp dir. */
  dir?: string;
  /** e.g. '64mb': with maxmemory-policy noeviction, writes fail once it is reached. Default: no limit. */
  maxMemory?: string;
  /** Echo redis-server's log with a `[redis:port]` prefix. Default false. */
  echo?: boolean;
  /**
   * Run it in its own process group, so a terminal's Ctrl-C reaches only the parent, which stops it
   * after the processes that use it (see ChildGroup's `detached`). Default false.
   */
  detached?: boolean;
  /** SIGKILL it when this process dies, even by kill -9 (StartOptions.dieWithParent). Default false. */
  dieWithParent?: boolean;
  /** More redis-server arguments, after the defaults (e.g. cluster mode, see redis-cluster.ts). Default none. */
  extraArgs?: string[];
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  /** kill -9, as a crash; the dir is kept so a restart can load append-only data. */
  crash(): Promise<void>;
  /**
   * Starts a new redis-server on the same port and dir (after stop or crash). A temp dir startRedis
   * made is then the new server's to remove on stop, so stopping only the last one leaves nothing.
   */
  restart(): Promise<PrivateRedis>;
}

/** Finds redis-server: REDIS_SERVER_BIN, then the usual places, then PATH; null when absent. */
export function findRedisServer(): string | null {
  return findBinary('redis-server', {
    envVar: 'REDIS_SERVER_BIN',
    places: ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'],
  });
}

/** True when something at host:port answers a Redis PING with PONG. */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) =>
      done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')),
    );
  });
}

/**
 * Starts redis-server bound to 127.0.0.1 (noeviction, no RDB snapshots) and resolves once it answers
 * PING; fails fast with its output when it exits instead, and leaves nothing behind when it fails.
 */
export async function startRedis(options: RedisOptions = {}): Promise<PrivateRedis> {
  return launch(options, options.dir === undefined);
}

/** startRedis, with `ownDir`: remove the dir on stop (a temp dir made here, kept across restarts). */
async function launch(options: RedisOptions, ownDir: boolean): Promise<PrivateRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error(REDIS_INSTALL_HINT);
  if (options.port !== undefined && !(await portIsFree(options.port))) {
    // Checked first: another Redis there would answer PING and pass for this one.
    throw new Error(`cannot start redis-server on port ${options.port}: the port is taken`);
  }
  const port =
    options.port ??
    (options.preferredPort === undefined ? await freePort() : await portOr(options.preferredPort));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'ingestlab-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
  ];
  if (options.maxMemory) args.push('--maxmemory', options.maxMemory);
  if (options.extraArgs) args.push(...options.extraArgs);
  const child = startProcess(`redis:${port}`, binary, args, {
    echo: options.echo ?? false,
    detached: options.detached ?? false,
    dieWithParent: options.dieWithParent ?? false,
  });
  const url = `redis://127.0.0.1:${port}`;
  const cleanup = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      () => redisAnswers(url),
      15_000,
      () => `redis-server on port ${port}`,
      { abort: () => (child.alive() ? null : `exited: ${child.output().slice(-500)}`) },
    );
  } catch (error) {
    await child.kill();
    cleanup();
    throw error;
  }
  const redis: PrivateRedis = {
    url,
    port,
    dir,
    process: child,
    async stop() {
      await child.stop(3000);
      cleanup();
    },
    async crash() {
      await child.kill();
    },
    restart: () => launch({ ...options, port, dir }, ownDir),
  };
  return redis;
}

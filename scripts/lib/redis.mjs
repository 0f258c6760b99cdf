// A Redis for the native stack: REDIS_URL when given, else a private redis-server (6379 when free),
// persistent in a temp dir with noeviction, like the compose service.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portOr, waitFor } from './net.mjs';
import { startChild } from './processes.mjs';

export const REDIS_INSTALL_HINT =
  'redis-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, ' +
  'macOS: `brew install redis`), set REDIS_SERVER_BIN, or point REDIS_URL at a running Redis 6.2+.';

/** REDIS_SERVER_BIN, the usual places, then PATH; null when absent. */
export function findRedisServer() {
  const candidates = [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server'];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(join(dir, 'redis-server'));
  return candidates.find((candidate) => candidate && existsSync(candidate)) ?? null;
}

/**
 * True when host:port answers PING (or demands a password, which still means "a Redis").
 * @param {string} url
 * @returns {Promise<boolean>}
 */
export function redisAnswers(url, timeoutMs = 500) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (/** @type {boolean} */ answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

/**
 * Starts a private redis-server (append-only, noeviction) on `port` (6379 when free, else any free
 * port) and returns its URL plus the child; the data dir is removed on stop.
 * @param {import('./processes.mjs').ChildGroup} group
 * @param {{ port?: number, echo?: boolean }} [options]
 */
export async function startPrivateRedis(group, options = {}) {
  const binary = findRedisServer();
  if (!binary) throw new Error(REDIS_INSTALL_HINT);
  const port = options.port ?? (await portOr(6379));
  const dir = mkdtempSync(join(tmpdir(), 'ingestlab-stack-redis-'));
  group.onStop(() => rmSync(dir, { recursive: true, force: true }));
  const child = group.add(
    startChild(
      `redis:${port}`,
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
        ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
        ...['--protected-mode', 'yes', '--daemonize', 'no'],
      ],
      { echo: options.echo ?? false },
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    () => redisAnswers(url),
    15_000,
    () => `redis-server on port ${port}`,
    () => (child.alive() ? null : `exited: ${child.output().slice(-400)}`),
  );
  return { url, port, child };
}

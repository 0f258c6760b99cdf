// System 1 under test: a private Redis, the ingest server and N workers as separate processes, each
// of which a case can kill -9, restart or add, on free ports so cases never collide.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ManagedProcess,
  type PrivateRedis,
  type RedisOptions,
  freePort,
  startRedis,
} from '@ingestlab/devkit';
import { startApp, waitReady } from './node-app.js';
import { APPS } from './paths.js';

export interface System1Options {
  /** Passed to startRedis (appendOnly, maxMemory, dir). */
  redis?: RedisOptions;
  /** Workers started with the server. Default 1. */
  workers?: number;
  /** Extra environment for server and workers (QUEUE_MAX_DEPTH, INGEST_TOKEN, CORS_ORIGINS...). */
  env?: Record<string, string>;
}

export interface System1 {
  redis: PrivateRedis;
  server: ManagedProcess;
  readonly workers: ManagedProcess[];
  /** http://127.0.0.1:<HTTP_PORT> */
  httpUrl: string;
  /** http://127.0.0.1:<H2C_PORT> (h2c, prior knowledge) */
  h2cUrl: string;
  /** https://127.0.0.1:<HTTPS_PORT> (self-signed) */
  httpsUrl: string;
  env: Record<string, string>;
  /** Starts a new server process on the same ports after the old one stopped or was killed. */
  restartServer(): Promise<void>;
  startWorker(): ManagedProcess;
  /** kill -9 of a Redis, then a new one on the same port and dir; ready when it answers. */
  crashRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  stop(): Promise<void>;
}

const CERT_DIR = join(tmpdir(), 'ingestlab-faults-certs');

export async function startSystem1(options: System1Options = {}): Promise<System1> {
  const redis = await startRedis(options.redis ?? {});
  const [httpPort, h2cPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(CERT_DIR, { recursive: true });
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    HTTP_PORT: String(httpPort),
    H2C_PORT: String(h2cPort),
    HTTPS_PORT: String(httpsPort),
    HOST: '127.0.0.1',
    CERT_DIR,
    // the cases poll /stats several times a second from one address; the per-address read limit
    // (default 1200/min) is for dashboards, not for the test's own accounting
    HTTP_RATE_LIMIT_PER_MIN: '1000000',
    ...options.env,
  };
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const startServer = async () => {
    const server = startApp('http-ingest', APPS.http.server, { cwd: APPS.http.dir, env });
    await waitReady(server, `${httpUrl}/readyz`);
    return server;
  };
  const workers: ManagedProcess[] = [];
  const startWorker = () => {
    const worker = startApp(`http-worker-${workers.length}`, APPS.http.worker, { cwd: APPS.http.dir, env });
    workers.push(worker);
    return worker;
  };
  let firstServer: ManagedProcess;
  try {
    firstServer = await startServer();
  } catch (error) {
    await redis.stop(); // nothing may outlive a failed start
    throw error;
  }
  const system: System1 = {
    redis,
    server: firstServer,
    workers,
    httpUrl,
    h2cUrl: `http://127.0.0.1:${h2cPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    env,
    async restartServer() {
      await system.server.stop(2000);
      system.server = await startServer();
    },
    startWorker,
    async crashRedis() {
      await system.redis.crash();
    },
    async restartRedis() {
      system.redis = await system.redis.restart();
    },
    async stop() {
      await Promise.all([system.server.stop(5000), ...workers.map((w) => w.stop(5000))]);
      await system.redis.stop();
      // a restarted Redis reuses the first one's directory and does not own it: remove it here
      if (options.redis?.dir === undefined) rmSync(redis.dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (options.workers ?? 1); i++) startWorker();
  return system;
}
